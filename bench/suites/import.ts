/**
 * Batch import at scale (issue "Intake II"): `POST /applications/import` of BENCH_IMPORT_ROWS rows
 * (default 10,000, the largest batch) as CSV, with its duplicate checks against the 100,000 demo cases
 * already there (BENCH_DEMO_CASES), timed from the first byte sent to the answer (goal ≤ 10 s), and as
 * a ratio to a plain `COPY … FROM STDIN (FORMAT csv)` of the very same file into a table of text
 * columns in the same database, measured in the same run (the floor: PostgreSQL taking the bytes,
 * with no validation, folding, references, duplicate search or audit chain).
 *
 * The rows are officers the demo generator makes with another seed — Arabic and Latin names with their
 * usual spelling variants, so many are similar-name candidates of the cases already there — and 2 % of
 * them repeat the national ID of an existing case (a returned group handing over officers already
 * registered). The service runs on its own copy of the demo database (bench/lib/demo.ts), started
 * like the main one. A first import of WARMUP_ROWS rows, untimed (its time is printed), brings the
 * service's import path and the pages its search reads into the state of a service that has been up
 * a while, as the duplicate suite's warm-up does for reads; then BENCH_IMPORT_ROUNDS rounds (default
 * 2), each importing a fresh batch (new IDs) and copying it; the median is shown. One more import then runs beside walk-ins of the same ministry,
 * sent one at a time (they take the reference counter and the flagging turn the import takes): their
 * latency, against the same walk-ins alone, shows how long the import holds them up.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { IMPORT_COLUMNS } from '../../src/modules/applications/applications.import.js';
import { DEMO_COMMITTEES, DEMO_LINKS } from '../../src/modules/demo/demo.accounts.js';
import { DemoGenerator } from '../../src/modules/demo/demo.generate.js';
import { startChild } from '../lib/children.js';
import { demoDatabase } from '../lib/demo.js';
import { staffToken } from '../lib/tokens.js';
import type { BenchContext, BenchRow, BenchSuite } from '../types.js';

const GOAL_SECONDS = 10;

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Every column the import takes (its own list), so the file carries every applicant field. */
const COLUMNS = IMPORT_COLUMNS;

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text: string;
  if (Array.isArray(value)) text = value.join(';');
  else if (typeof value === 'string') text = value;
  else text = JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A CSV of `rows` officers of the interior ministry; `knownIds` are national IDs of existing cases, 2 % of the rows repeat one. */
function batchCsv(seed: number, rows: number, knownIds: readonly string[]): string {
  const generator = new DemoGenerator({ seed, today: new Date().toISOString().slice(0, 10), committees: DEMO_COMMITTEES, links: DEMO_LINKS });
  const lines = [COLUMNS.join(',')];
  let n = 0;
  outer: for (const unit of generator.plan(rows * 4, rows).units) {
    for (const demoCase of generator.casesOf(unit)) {
      if (demoCase.ministry !== 'interior') continue;
      const raw = { ...demoCase.raw } as Record<string, unknown>;
      if (n % 50 === 7 && knownIds.length > 0) raw.nationalId = knownIds[n % knownIds.length];
      const education = raw.education as { degree?: string; field?: string } | undefined;
      const values: Record<string, unknown> = { ...raw, 'education.degree': education?.degree, 'education.field': education?.field };
      lines.push(COLUMNS.map((c) => cell(values[c])).join(','));
      n += 1;
      if (n === rows) break outer;
    }
  }
  if (n < rows) throw new Error(`the generator gave ${n} interior rows, not ${rows}`);
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** `count` officers for walk-ins (API applicants), from the demo generator with another seed. */
function walkInOfficers(seed: number, count: number): Record<string, unknown>[] {
  const generator = new DemoGenerator({ seed, today: new Date().toISOString().slice(0, 10), committees: DEMO_COMMITTEES, links: DEMO_LINKS });
  const officers: Record<string, unknown>[] = [];
  for (const unit of generator.plan(count * 4, count).units) {
    for (const demoCase of generator.casesOf(unit)) {
      if (demoCase.ministry !== 'interior') continue;
      officers.push({ ...demoCase.raw });
      if (officers.length === count) return officers;
    }
  }
  throw new Error(`the generator gave ${officers.length} interior officers, not ${count}`);
}

/**
 * Walk-ins of the import's ministry, one after the other, for as long as `running` says: each takes
 * the same reference counter and flagging turn as the import. Returns each one's milliseconds.
 */
async function walkInsDuring(baseUrl: string, token: string, officers: Record<string, unknown>[], running: () => boolean): Promise<number[]> {
  const times: number[] = [];
  for (const applicant of officers) {
    if (!running()) break;
    const started = performance.now();
    const res = await fetch(`${baseUrl}/applications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ applicant }),
    });
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`a walk-in during the import answered ${res.status}`);
    times.push(performance.now() - started);
  }
  return times;
}

async function copySeconds(url: string, csv: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const table = `bench_import_copy_${randomBytes(3).toString('hex')}`;
    await client.query(`create table ${table} (${COLUMNS.map((c) => `"${c}" text`).join(', ')})`);
    const started = performance.now();
    await pipeline(Readable.from([Buffer.from(csv)]), client.query(copyFrom(`copy ${table} from stdin (format csv, header true, encoding 'UTF8')`)));
    const seconds = (performance.now() - started) / 1000;
    await client.query(`drop table ${table}`);
    return seconds;
  } finally {
    await client.end();
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const WARMUP_ROWS = 500;

/** POST /applications/import of `csv`, timed from the first byte sent to the answer; fails unless all `rows` were created. */
async function importCsv(baseUrl: string, token: string, csv: string, rows: number) {
  const started = performance.now();
  const res = await fetch(`${baseUrl}/applications/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    body: csv,
  });
  const body = (await res.json()) as { created?: number; duplicatesFlagged?: number; code?: string; errors?: unknown[] };
  const seconds = (performance.now() - started) / 1000;
  if (res.status !== 201 || body.created !== rows) throw new Error(`import answered ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
  return { seconds, body };
}

const suite: BenchSuite = {
  name: 'import',
  async run(ctx: BenchContext) {
    const rows = Math.round(positive('BENCH_IMPORT_ROWS', 10_000));
    const rounds = Math.round(positive('BENCH_IMPORT_ROUNDS', 2));
    const demo = await demoDatabase(ctx.databaseUrl);
    const service = await startChild({
      name: 'service on the demo database',
      script: join(process.cwd(), 'src', 'server.ts'),
      env: { ...ctx.env, DATABASE_URL: demo.url, AUDIT_HMAC_KEY: demo.keys.auditHmacKey, MFA_ENCRYPTION_KEY: demo.keys.mfaKey, STAFF_MFA: 'optional', LOG_LEVEL: 'warn' },
      readyPath: '/health/ready',
    });
    try {
      const client = new pg.Client({ connectionString: demo.url });
      await client.connect();
      const known = await client.query<{ national_id: string }>(`select national_id from applicants where national_id is not null order by application_id limit 500`);
      const existing = await client.query<{ n: number }>(`select count(*)::int as n from applications`);
      await client.end();
      const { token } = await staffToken({ ...ctx, databaseUrl: demo.url }, { role: 'ministry_staff', ministry: 'interior' });
      const knownIds = known.rows.map((r) => r.national_id);

      const imports: { seconds: number; flagged: number }[] = [];
      const copies: number[] = [];
      const walkIns: number[] = [];
      // The reference: the same walk-ins with nothing else running.
      const alone = await walkInsDuring(service.baseUrl, token, walkInOfficers(3_000, 40), () => true);
      // Untimed: the first import after the service started (compiling its code, reading cold pages).
      const warmup = await importCsv(service.baseUrl, token, batchCsv(999, WARMUP_ROWS, knownIds), WARMUP_ROWS);
      console.log(`  warm-up import of ${WARMUP_ROWS} rows: ${warmup.seconds.toFixed(2)} s (untimed)`);
      // The timed rounds alone; then one more import with walk-ins beside it (not timed: they share the cores).
      for (let round = 0; round <= rounds; round++) {
        const beside = round === rounds;
        const csv = batchCsv(1_000 + round, rows, knownIds);
        if (!beside) copies.push(await copySeconds(demo.url, csv));
        const officers = beside ? walkInOfficers(2_000 + round, 5_000) : [];
        let running = true;
        const importing = importCsv(service.baseUrl, token, csv, rows).finally(() => (running = false));
        // Walk-ins of the same ministry meanwhile (same counter, same flagging turn).
        const during = walkInsDuring(service.baseUrl, token, officers, () => running);
        const { seconds, body } = await importing;
        const times = await during;
        if (beside && times.length === officers.length) throw new Error('the walk-ins ran out before the import ended: make more');
        if (beside) {
          walkIns.push(...times);
          console.log(`  import of ${rows.toLocaleString('en')} rows beside walk-ins: ${seconds.toFixed(2)} s; ${times.length} walk-ins meanwhile, slowest ${Math.max(...times).toFixed(0)} ms`);
        } else {
          imports.push({ seconds, flagged: body.duplicatesFlagged ?? 0 });
          console.log(`  import of ${rows.toLocaleString('en')} rows, round ${round + 1}: ${seconds.toFixed(2)} s (${body.duplicatesFlagged} flagged); COPY of the same file ${copies.at(-1)!.toFixed(3)} s`);
        }
      }
      const importSeconds = median(imports.map((i) => i.seconds));
      const copy = median(copies);
      const rowsBefore = existing.rows[0]!.n;
      const rate = rows / importSeconds;
      return [
        {
          scenario: `POST /applications/import, ${rows.toLocaleString('en')} CSV rows against ${rowsBefore.toLocaleString('en')} cases: ${importSeconds.toFixed(2)} s`,
          unit: 'rows/s',
          value: rate,
          reference:
            `the goal, ${rows.toLocaleString('en')} rows in ${GOAL_SECONDS} s (ratio = ${GOAL_SECONDS} s / time); per round ${imports.map((i) => `${i.seconds.toFixed(2)} s, ${i.flagged} flagged`).join('; ')} (after an untimed first import of ${WARMUP_ROWS} rows: ${warmup.seconds.toFixed(2)} s); ` +
            `the demo data's own duplicates were flagged in ${demo.flagSeconds.toFixed(1)} s beforehand`,
          referenceValue: rows / GOAL_SECONDS,
          goalRatio: 1,
        },
        {
          scenario: `walk-ins of the same ministry during the import, one at a time: slowest ${Math.max(...walkIns).toFixed(0)} ms`,
          unit: 'req/s',
          value: walkIns.length / (walkIns.reduce((sum, ms) => sum + ms, 0) / 1000),
          p50Ms: percentile(walkIns, 0.5),
          p99Ms: percentile(walkIns, 0.99),
          reference:
            `the same walk-ins alone, one at a time (${alone.length}: p50 ${percentile(alone, 0.5)} ms, slowest ${Math.max(...alone).toFixed(0)} ms), req/s; ` +
            `${walkIns.length} were sent one after the other while the imports ran: they take the reference counter and the flagging turn the import takes, and wait for it only while it numbers and stores`,
          referenceValue: alone.length / (alone.reduce((sum, ms) => sum + ms, 0) / 1000),
        },
        {
          scenario: `the same import as a ratio to a plain COPY of the file (${copy.toFixed(3)} s)`,
          unit: 'rows/s',
          value: rate,
          reference: `COPY … FROM STDIN (format csv) of the same bytes into text columns, rows/s; per round ${copies.map((c) => c.toFixed(3)).join(' / ')} s`,
          referenceValue: rows / copy,
        },
      ] satisfies BenchRow[];
    } finally {
      await service.stop();
      await demo.drop();
    }
  },
};

export default suite;
