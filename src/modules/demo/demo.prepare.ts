import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { applicantInput, type ApplicantInput } from '../applications/applicant.fields.js';
import { DEMO_COMMITTEES, DEMO_LINKS } from './demo.accounts.js';
import { DemoGenerator, type DemoCase, type DemoUnit } from './demo.generate.js';

/** A case as the writer needs it: everything generated but the applicant as sent (validated beside it). */
export type PreparedCase = Omit<DemoCase, 'raw'>;

/** What a unit of work needs to be written: its cases as generated, and their applicants as validated. */
export interface PreparedUnit {
  unit: DemoUnit;
  cases: PreparedCase[];
  applicants: ApplicantInput[];
  /** An import batch's SHA-256: of the rows as the ministry sent them, before cleaning (null for other units). */
  sourceSha256: string | null;
}

export interface PrepareOptions {
  seed: number;
  today: string;
  cases: number;
  unitSize: number;
}

/** The event loop is given back this often while a unit is prepared. */
const TICK_EVERY = 50;

function validated(raw: Record<string, unknown>): ApplicantInput {
  const parsed = applicantInput.safeParse(raw);
  if (!parsed.success) {
    // The generator must only produce what a careful client sends: anything else is its bug.
    throw new Error(`the demo generator produced an invalid applicant: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}\n${JSON.stringify(raw)}`);
  }
  return parsed.data;
}

/**
 * Generates and validates unit after unit, in plan order: the data depends on the seed, the day and
 * the sizes only. Yields 'tick' every few cases, where the caller lets other work go on.
 */
export function* preparedUnits(options: PrepareOptions): Generator<PreparedUnit | 'tick'> {
  const generator = new DemoGenerator({ seed: options.seed, today: options.today, committees: DEMO_COMMITTEES, links: DEMO_LINKS });
  let sinceTick = 0;
  for (const unit of generator.plan(options.cases, options.unitSize).units) {
    const cases: PreparedCase[] = [];
    const applicants: ApplicantInput[] = [];
    const sent: Record<string, unknown>[] = [];
    for (const { raw, ...demoCase } of generator.casesOf(unit)) {
      cases.push(demoCase);
      applicants.push(validated(raw));
      if (unit.kind === 'batch') sent.push(raw);
      if (++sinceTick >= TICK_EVERY) {
        sinceTick = 0;
        yield 'tick';
      }
    }
    const sourceSha256 = unit.kind === 'batch' ? createHash('sha256').update(JSON.stringify(sent)).digest('hex') : null;
    yield { unit, cases, applicants, sourceSha256 };
  }
}

/**
 * In this thread, giving the event loop back regularly, so the previous unit's statements go on
 * meanwhile (`prepareInWorker` moves the work off this thread).
 */
export async function* prepareHere(options: PrepareOptions): AsyncGenerator<PreparedUnit> {
  for (const item of preparedUnits(options)) {
    if (item === 'tick') await new Promise<void>((resolve) => setImmediate(resolve));
    else yield item;
  }
}

/**
 * Keeps `depth` items of `source` in preparation ahead of the consumer, so preparing goes on while the
 * consumer waits for something else (a ministry's previous unit to be written).
 */
export async function* readAhead<T>(source: AsyncGenerator<T>, depth: number): AsyncGenerator<T> {
  const pending: Promise<IteratorResult<T>>[] = [];
  const pull = () => {
    const next = source.next();
    // Awaited in turn below; this only keeps a failure from counting as unhandled meanwhile.
    next.catch(() => undefined);
    pending.push(next);
  };
  try {
    for (let i = 0; i < depth; i++) pull();
    for (;;) {
      const result = await pending.shift()!;
      if (result.done) return;
      pull();
      yield result.value;
    }
  } finally {
    await source.return(undefined);
  }
}

/** The worker's entry, beside this file: the compiled one, or the source when running from source (under tsx or vitest). */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_ENTRY = new URL(`./demo.prepare.worker.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url);

/** A worker's answer to a request for the next unit. */
export type WorkerReply = { done: false; unit: PreparedUnit } | { done: true } | { done: true; error: Error };

/**
 * In a worker thread (demo.prepare.worker.ts), unit after unit in plan order, the same units as
 * `prepareHere`: generating and validating are most of the seed's own work, and here they run beside
 * the writing instead of between its statements. The worker is asked for the next unit before this
 * one is handed over: `readAhead`'s requests alone would leave it idle, since an async generator
 * resumes for one request at a time (asking here, alternating runs were 9 % faster). It stops when
 * the consumer does, or fails, its error passed on.
 */
export async function* prepareInWorker(options: PrepareOptions): AsyncGenerator<PreparedUnit> {
  const worker = FROM_SOURCE
    ? // From source (the tests, the bench's suites), the worker registers the TypeScript loader first.
      new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER_ENTRY.href)}); })`, {
        eval: true,
        workerData: options,
      })
    : new Worker(fileURLToPath(WORKER_ENTRY), { workerData: options });
  // Answered in the order asked (the worker answers each request in turn).
  const waiting: { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }[] = [];
  let failure: Error | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    for (const request of waiting.splice(0)) request.reject(failure);
  };
  worker.on('message', (reply: WorkerReply) => waiting.shift()?.resolve(reply));
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the demo preparation worker stopped (exit code ${code})`)));
  const next = () =>
    new Promise<WorkerReply>((resolve, reject) => {
      if (failure) return reject(failure);
      waiting.push({ resolve, reject });
      worker.postMessage('next');
    });
  try {
    let asked = next();
    for (;;) {
      const reply = await asked;
      if ('error' in reply) throw reply.error;
      if (reply.done) return;
      asked = next();
      // Awaited in turn above; this only keeps a failure from counting as unhandled meanwhile.
      asked.catch(() => undefined);
      yield reply.unit;
    }
  } finally {
    worker.removeAllListeners('exit');
    await worker.terminate();
  }
}
