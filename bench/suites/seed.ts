/**
 * Demo data and bulk intake figures, each next to a reference measured in the same run:
 *
 *  - `seed:demo`: cases per second seeding BENCH_SEED_CASES (default 100,000) demo cases into a fresh
 *    database by the command itself, in a process of its own with the node flags of the npm script
 *    (package.json), as the seed reports it (not counting its migrations) — generation, validation through `applicantInput`, the bulk
 *    insert with its reference blocks, applicant accounts, link registrations, import batches and one
 *    chained audit entry per record — against the goal of 5,000 cases/s, and against the reference:
 *    the very rows it wrote (read back as JSON beforehand) written again into another fresh database
 *    with the same schema and indexes by plain `INSERT … SELECT FROM json_populate_recordset`, in units
 *    of the same size on the same two connections, with nothing computed: no generation, validation,
 *    folding, reference counter or audit chain. Both drop the tables' secondary indexes and foreign keys
 *    for the load and build and add them again after it (demo.indexes.ts), and both count that. The ratio is the
 *    share of the database's own write speed for this data that the seeder keeps; what it loses is the
 *    work done in JavaScript.
 *  - `insertCasesBulk` of 10,000 validated applicants in one transaction (the import route's largest
 *    batch): rows per second, alternating with a plain INSERT of the same rows prepared beforehand (ids,
 *    references and folded names computed, JSON serialized), median of BENCH_SEED_BULK_ROUNDS (default 3).
 *
 * Needs no service: works in its own databases on the bench server, dropped afterwards.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createDatabase } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { runOnServer, withDatabaseName } from '../../src/db/server-admin.js';
import { applicantInput, type ApplicantInput } from '../../src/modules/applications/applicant.fields.js';
import { insertCasesBulk } from '../../src/modules/applications/applications.bulk.js';
import { applicantColumns } from '../../src/modules/applications/applications.columns.js';
import { DEMO_COMMITTEES, DEMO_LINKS } from '../../src/modules/demo/demo.accounts.js';
import { DemoGenerator } from '../../src/modules/demo/demo.generate.js';
import { withIndexesAndKeysDeferred } from '../../src/modules/demo/demo.indexes.js';
import { FILLED_TABLES } from '../../src/modules/demo/demo.seed.js';
import { seedReference } from '../../src/modules/reference/reference.seed.js';
import { TSX } from '../lib/children.js';
import type { BenchContext, BenchRow, BenchSuite } from '../types.js';

const CASES = Number(process.env.BENCH_SEED_CASES) || 100_000;
const BULK_ROWS = 10_000;
const BULK_ROUNDS = Number(process.env.BENCH_SEED_BULK_ROUNDS) || 3;
const UNIT = 2_000;

async function freshDatabase(serverUrl: string, name: string) {
  await runOnServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, `CREATE DATABASE ${name}`);
  const url = withDatabaseName(serverUrl, name);
  const database = createDatabase({ kind: 'pg', url, poolMax: 2, statementTimeoutMs: 600_000 });
  await migrate(database);
  await seedReference(database.db);
  return {
    url,
    database,
    async drop() {
      await database.close();
      await runOnServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}


/** The node flags `npm run seed:demo` gives the seed (package.json), so the bench runs the command as users do. */
function seedNodeFlags(): string[] {
  const scripts = (JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  return (scripts['seed:demo'] ?? '').split(/\s+/).filter((arg) => arg.startsWith('--'));
}

interface CliSeed {
  url: string;
  cases: number;
  seconds: number;
  /** Cases per second, as the seed reports it. */
  rate: number;
  channels: { link: number; walkIn: number; imported: number };
  drop(): Promise<void>;
}

/** `seed:demo --cases N` (src/modules/demo/seed-demo.cli.ts, run by tsx) into a fresh database; its figures as it prints them. */
async function seedWithCli(ctx: BenchContext, cases: number): Promise<CliSeed> {
  const name = `bench_seed_cli_${process.pid}`;
  await runOnServer(ctx.databaseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, `CREATE DATABASE ${name}`);
  const url = withDatabaseName(ctx.databaseUrl, name);
  const drop = () => runOnServer(ctx.databaseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  try {
    const child = spawn(TSX, [...seedNodeFlags(), join('src', 'modules', 'demo', 'seed-demo.cli.ts'), '--cases', String(cases), '--seed', '1'], {
      env: { ...process.env, ...ctx.env, DATABASE_URL: url, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      // Its progress, a line per tenth.
      for (const line of chunk.split('\n')) if (/^\s+[\d,]+ of [\d,]+ cases$/.test(line)) console.log(`  seed:demo${line}`);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const seeded = /Seeded ([\d,]+) cases in ([\d.]+) s: ([\d,]+) cases\/s/.exec(output);
    const channels = /link (\d+), walk-in (\d+), batch import (\d+)/.exec(output);
    if (code !== 0 || !seeded || !channels) throw new Error(`seed:demo exited ${code}:\n${output.slice(-2_000)}`);
    return {
      url,
      cases: Number(seeded[1]!.replace(/,/g, '')),
      seconds: Number(seeded[2]),
      rate: Number(seeded[3]!.replace(/,/g, '')),
      channels: { link: Number(channels[1]), walkIn: Number(channels[2]), imported: Number(channels[3]) },
      drop,
    };
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
}

/** Each row of `query` as JSON text, grouped into JSON arrays of UNIT rows. */
async function jsonChunks(client: pg.Client, query: string): Promise<string[]> {
  const { rows } = await client.query<{ j: string }>(`select row_to_json(t)::text as j from (${query}) t`);
  const chunks: string[] = [];
  for (let i = 0; i < rows.length; i += UNIT) chunks.push(`[${rows.slice(i, i + UNIT).map((r) => r.j).join(',')}]`);
  return chunks;
}

/** The reference: the seeded rows written again by plain INSERT … SELECT, table after table, on two connections. */
async function plainRewrite(serverUrl: string, seededUrl: string): Promise<number> {
  const target = await freshDatabase(serverUrl, `bench_seed_plain_${process.pid}`);
  try {
    // Read everything first: nothing below is computed while the clock runs.
    const { setup, phases } = await withClient(seededUrl, async (source) => ({
      setup: {
        staff: await jsonChunks(source, `select * from users where role <> 'applicant'`),
        committees: await jsonChunks(source, 'select * from committees'),
        members: await jsonChunks(source, 'select * from committee_members'),
        links: await jsonChunks(source, 'select * from registration_links'),
        batches: await jsonChunks(source, 'select * from import_batches'),
      },
      phases: [
        { table: 'users', chunks: await jsonChunks(source, `select * from users where role = 'applicant' order by created_at`) },
        { table: 'applications', chunks: await jsonChunks(source, 'select * from applications order by reference') },
        { table: 'applicants', chunks: await jsonChunks(source, 'select p.* from applicants p join applications a on a.id = p.application_id order by a.reference') },
        { table: 'link_registrations', chunks: await jsonChunks(source, 'select * from link_registrations order by created_at') },
        { table: 'audit_log', chunks: await jsonChunks(source, 'select * from audit_log order by seq') },
      ],
    }));
    const clients = await Promise.all([0, 1].map(async () => {
      const client = new pg.Client({ connectionString: target.url });
      await client.connect();
      return client;
    }));
    try {
      const insert = (client: pg.Client, table: string, chunk: string) => client.query(`insert into ${table} select * from json_populate_recordset(null::${table}, $1::json)`, [chunk]);
      for (const [table, chunks] of [['users', setup.staff], ['committees', setup.committees], ['committee_members', setup.members], ['registration_links', setup.links], ['import_batches', setup.batches]] as const) {
        for (const chunk of chunks) await insert(clients[0]!, table, chunk);
      }
      const started = performance.now();
      // Like the seeder: the secondary indexes and foreign keys dropped for the load and put back after it, on two connections.
      await withIndexesAndKeysDeferred(target.database.db, FILLED_TABLES, 2, async () => {
        for (const phase of phases) {
          let next = 0;
          await Promise.all(
            clients.map(async (client) => {
              while (next < phase.chunks.length) {
                const chunk = phase.chunks[next++]!;
                await client.query('begin');
                await insert(client, phase.table, chunk);
                await client.query('commit');
              }
            }),
          );
        }
      });
      return (performance.now() - started) / 1_000;
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  } finally {
    await target.drop();
  }
}

/** insertCasesBulk of 10,000 applicants, alternating with a plain insert of the same rows prepared beforehand. */
async function bulkInsert(serverUrl: string): Promise<BenchRow> {
  const target = await freshDatabase(serverUrl, `bench_seed_bulk_${process.pid}`);
  try {
    const generator = new DemoGenerator({ seed: 5, today: new Date().toISOString().slice(0, 10), committees: DEMO_COMMITTEES, links: DEMO_LINKS });
    const applicants: ApplicantInput[] = [];
    for (const unit of generator.plan(BULK_ROWS * 2, BULK_ROWS * 2).units) {
      for (const demoCase of generator.casesOf(unit)) if (applicants.length < BULK_ROWS) applicants.push(applicantInput.parse(demoCase.raw));
    }
    const plainRows = (round: number) => {
      const cases: object[] = [];
      const people: object[] = [];
      applicants.forEach((a, i) => {
        const id = randomUUID();
        cases.push({ id, reference: `PLAIN-${round}-${i}`, ministry: 'interior', status: 'submitted', channel: 'walk_in', version: 1 });
        const row: Record<string, unknown> = { application_id: id };
        for (const [key, value] of Object.entries(applicantColumns(a))) row[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = value;
        people.push(row);
      });
      const columns = new Set<string>(['preferred_governorates']);
      for (const person of people) for (const key of Object.keys(person)) columns.add(key);
      return { cases: JSON.stringify(cases), people: JSON.stringify(people), columns: [...columns] };
    };
    const plain: number[] = [];
    const bulk: number[] = [];
    for (let round = 0; round < BULK_ROUNDS; round++) {
      const rows = plainRows(round);
      let started = performance.now();
      await withClient(target.url, async (client) => {
        started = performance.now();
        await client.query('begin');
        await client.query(
          `insert into applications (id, reference, ministry, status, channel, version) select id, reference, ministry, status, channel, version from json_populate_recordset(null::applications, $1::json)`,
          [rows.cases],
        );
        await client.query(
          `insert into applicants (${rows.columns.join(', ')}) select ${rows.columns.map((c) => (c === 'preferred_governorates' ? `coalesce(r.${c}, '{}')` : `r.${c}`)).join(', ')}
           from json_populate_recordset(null::applicants, $1::json) r`,
          [rows.people],
        );
        await client.query('commit');
      });
      plain.push(BULK_ROWS / ((performance.now() - started) / 1_000));
      started = performance.now();
      await target.database.db.transaction((tx) => insertCasesBulk(tx, { ministry: 'interior', channel: 'walk_in', cases: applicants }));
      bulk.push(BULK_ROWS / ((performance.now() - started) / 1_000));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    return {
      scenario: `insertCasesBulk: ${BULK_ROWS.toLocaleString('en')} validated applicants in one transaction (median of ${BULK_ROUNDS}: ${bulk.map((v) => Math.round(v)).join(' / ')})`,
      unit: 'rows/s',
      value: Math.round(median(bulk)),
      reference: `plain INSERT of the same rows prepared beforehand (${plain.map((v) => Math.round(v)).join(' / ')})`,
      referenceValue: Math.round(median(plain)),
    };
  } finally {
    await target.drop();
  }
}

const suite: BenchSuite = {
  name: 'seed',
  async run(ctx) {
    const seeded = await seedWithCli(ctx, CASES);
    let plainSeconds: number;
    try {
      plainSeconds = await plainRewrite(ctx.databaseUrl, seeded.url);
    } finally {
      await seeded.drop();
    }
    const { channels } = seeded;
    const scenario = `seed:demo, ${seeded.cases.toLocaleString('en')} cases (${seeded.seconds.toFixed(1)} s; ${channels.link} link, ${channels.walkIn} walk-in, ${channels.imported} imported)`;
    const { rate } = seeded;
    console.log(`  seed:demo ${rate} cases/s; the same rows by plain INSERT in ${plainSeconds.toFixed(1)} s`);
    return [
      { scenario, unit: 'cases/s', value: rate, reference: 'goal', referenceValue: 5_000, goalRatio: 1 },
      { scenario, unit: 'cases/s', value: rate, reference: 'the same rows (cases, accounts, audit entries) by plain INSERT … SELECT, nothing computed, indexes and keys put back after', referenceValue: Math.round(seeded.cases / plainSeconds) },
      await bulkInsert(ctx.databaseUrl),
    ];
  },
};

export default suite;
