import { applicantInput, type ApplicantInput } from '../applications/applicant.fields.js';
import { DEMO_COMMITTEES, DEMO_LINKS } from './demo.accounts.js';
import { DemoGenerator, type DemoCase, type DemoUnit } from './demo.generate.js';

/** What a unit of work needs to be written: its cases as generated, and their applicants as validated. */
export interface PreparedUnit {
  unit: DemoUnit;
  cases: DemoCase[];
  applicants: ApplicantInput[];
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
    const cases: DemoCase[] = [];
    const applicants: ApplicantInput[] = [];
    for (const demoCase of generator.casesOf(unit)) {
      cases.push(demoCase);
      applicants.push(validated(demoCase.raw));
      if (++sinceTick >= TICK_EVERY) {
        sinceTick = 0;
        yield 'tick';
      }
    }
    yield { unit, cases, applicants };
  }
}

/**
 * Giving the event loop back regularly, so the previous unit's statements go on meanwhile. (A worker
 * thread was tried: on two cores shared with PostgreSQL, copying the units between threads cost more
 * than the generation it moved.)
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

