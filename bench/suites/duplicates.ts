/**
 * Duplicate detection at scale (DESIGN §7): BENCH_DUP_CASES cases (default 100,000) with names drawn
 * from common Syrian first and family names — few distinct trigrams, so the similar-name search has
 * no rare trigram to lean on — and birth dates over fifty years; then
 * - GET /applications/:id/duplicates at BENCH_CONNECTIONS, each request the next case, after a warm-up
 *   that reads each case once (goal p99 ≤ 25 ms);
 * - flagDuplicates for BENCH_DUP_BATCH new cases at once (default 10,000), as an import flags them,
 *   rolled back afterwards (budget 3.5 s of an import's 10 s).
 * The goal rows' ratios are goal / measured, so ≥ 1 is met; GET /applications/:id of the same cases
 * is measured beside as a reference (a read of a person's record), and the bare fastify route as the
 * other (the ceiling of the machine). BENCH_DUP_SKIP_FLAG=1 skips the
 * flagging.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createDatabase, queryRows } from '../../src/db/client.js';
import { flagDuplicates } from '../../src/modules/applications/applications.duplicates.js';
import { hashPassword } from '../../src/modules/users/password.js';
import { insertCases } from '../lib/cases.js';
import { DatabaseCpu, groupCpuMicros } from '../lib/cpu.js';
import type { BenchContext, BenchRow, BenchSuite, LoadOptions } from '../types.js';

const P99_GOAL_MS = 25;
const FLAG_BUDGET_MS = 3_500;

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/**
 * Each request the next of `ids`, whichever connection sends it. (A list of requests would be walked
 * from its start by every connection, so the connections would read the same case together.) With
 * `warmupRequests: ids.length`, the warm-up reads every case once: the measured run reads them as a
 * service that has been up a while does, not as the first reads after the bulk insert.
 */
function inTurn(ids: readonly string[], path: (id: string) => string, token: string): NonNullable<LoadOptions['requests']> {
  let next = -1;
  return [
    {
      method: 'GET',
      path: path(ids[0]!),
      headers: { authorization: `Bearer ${token}` },
      setupRequest: (request) => ({ ...request, path: path(ids[(next += 1) % ids.length]!) }),
    },
  ];
}

async function memberToken(ctx: BenchContext, client: pg.ClientBase): Promise<string> {
  const password = `bench-dups-${randomBytes(9).toString('base64url')}`;
  const email = `dups.${randomBytes(4).toString('hex')}@bench.example`;
  await client.query(`insert into users (email, name, role, ministry, password_hash) values ($1, 'Bench member', 'committee_member', 'interior', $2)`, [
    email,
    await hashPassword(password),
  ]);
  const res = await fetch(`${ctx.baseUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (res.status !== 200) throw new Error(`bench sign-in failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

const suite: BenchSuite = {
  name: 'duplicates',
  async run(ctx) {
    const cases = Math.round(positive('BENCH_DUP_CASES', 100_000));
    const batch = Math.round(positive('BENCH_DUP_BATCH', 10_000));
    const client = new pg.Client({ connectionString: ctx.databaseUrl });
    await client.connect();
    let existing: string[];
    let token: string;
    try {
      await client.query('begin');
      existing = await insertCases(async (text) => (await client.query<{ id: string }>(text)).rows, cases, 'BENCH');
      await client.query('commit');
      await client.query('analyze applications; analyze applicants');
      token = await memberToken(ctx, client);
    } finally {
      await client.end();
    }

    // Interior cases (the member's ministry), each request the next one; their pairs recorded first,
    // as their writes would have, so the reads regrade real pairs.
    const interior = existing.filter((_, i) => i % 2 === 1).slice(0, 2_000);
    const flagging = createDatabase({ kind: 'pg', url: ctx.databaseUrl, poolMax: 1, statementTimeoutMs: 600_000 });
    try {
      await flagging.db.transaction((tx) => flagDuplicates(tx, interior));
    } finally {
      await flagging.close();
    }
    // Server and PostgreSQL CPU per request beside each load: what a route costs the machine.
    const databaseCpu = await DatabaseCpu.connect(ctx.databaseUrl);
    const withCpu = async (options: Parameters<BenchContext['load']>[0]) => {
      // Counted from the end of the warm-up.
      let serverBefore = 0;
      let databaseSince = async () => 0;
      const result = await ctx.load({
        ...options,
        beforeMeasured: async () => {
          serverBefore = groupCpuMicros(ctx.servicePid);
          databaseSince = await databaseCpu.start();
        },
      });
      const requests = Math.max(1, result.requests);
      const cpu = { serverUs: (groupCpuMicros(ctx.servicePid) - serverBefore) / requests, databaseUs: (await databaseSince()) / requests };
      return { ...result, cpu };
    };
    let get: Awaited<ReturnType<typeof withCpu>>;
    let read: Awaited<ReturnType<typeof withCpu>>;
    try {
      get = await withCpu({
        title: `GET /applications/:id/duplicates at ${cases.toLocaleString('en-US')} cases`,
        url: `/applications/${interior[0]}/duplicates`,
        requests: inTurn(interior, (id) => `/applications/${id}/duplicates`, token),
        warmupRequests: interior.length,
      });
      // The same cases read whole: what a read of a person's record costs anyway (authentication, access, audit).
      read = await withCpu({
        title: 'GET /applications/:id (reference)',
        url: `/applications/${interior[0]}`,
        requests: inTurn(interior, (id) => `/applications/${id}`, token),
        warmupRequests: interior.length,
      });
    } finally {
      await databaseCpu.close();
    }
    // The bare route: a fastify `GET /` in its own process, at the same connections, right after.
    const bare = await ctx.load({ title: 'bare fastify GET / (reference)', url: `${ctx.ceiling.baseUrl}/` });
    const getRows: BenchRow[] = [
      {
        scenario: `GET /applications/:id/duplicates, ${cases.toLocaleString('en-US')} cases`,
        unit: 'req/s',
        value: get.requestsPerSecond,
        p50Ms: get.p50Ms,
        p99Ms: get.p99Ms,
        cpu: get.cpu,
        reference: `req/s × p99 / ${P99_GOAL_MS} ms (ratio = ${P99_GOAL_MS} ms / p99)`,
        referenceValue: (get.requestsPerSecond * get.p99Ms) / P99_GOAL_MS,
        goalRatio: 1,
      },
      {
        scenario: `GET /applications/:id/duplicates, ${cases.toLocaleString('en-US')} cases`,
        unit: 'req/s',
        value: get.requestsPerSecond,
        p50Ms: get.p50Ms,
        p99Ms: get.p99Ms,
        reference: `GET /applications/:id req/s (p99 ${read.p99Ms} ms, cpu/req ${Math.round(read.cpu.serverUs)} µs, pg ${Math.round(read.cpu.databaseUs)} µs)`,
        referenceValue: read.requestsPerSecond,
      },
      {
        scenario: `GET /applications/:id/duplicates, ${cases.toLocaleString('en-US')} cases`,
        unit: 'req/s',
        value: get.requestsPerSecond,
        p50Ms: get.p50Ms,
        p99Ms: get.p99Ms,
        reference: `bare fastify GET / req/s (p99 ${bare.p99Ms} ms)`,
        referenceValue: bare.requestsPerSecond,
      },
    ];
    if (process.env.BENCH_DUP_SKIP_FLAG) return getRows;
    // An import's flagging: the new cases written in one transaction, then flagged at once; rolled back.
    const database = createDatabase({ kind: 'pg', url: ctx.databaseUrl, poolMax: 1, statementTimeoutMs: 600_000 });
    let flagMs = 0;
    let result = { flagged: 0, pairs: 0 };
    try {
      await database.withSession(async (db) => {
        await db.execute(sql`begin`);
        try {
          const ids = await insertCases((text) => queryRows<{ id: string }>(db, sql.raw(text)), batch, 'BENCHNEW');
          const started = performance.now();
          result = await flagDuplicates(db, ids);
          flagMs = performance.now() - started;
        } finally {
          await db.execute(sql`rollback`);
        }
      });
    } finally {
      await database.close();
    }
    console.log(`  flagDuplicates: ${batch} new cases against ${cases}: ${Math.round(flagMs)} ms (${result.flagged} flagged, ${result.pairs} pairs)`);

    return [
      ...getRows,
      {
        scenario: `flagDuplicates, ${batch.toLocaleString('en-US')} new cases against ${cases.toLocaleString('en-US')} (${result.flagged} flagged)`,
        unit: 'ms budget',
        value: FLAG_BUDGET_MS,
        reference: 'measured ms (ratio = budget / time)',
        referenceValue: flagMs,
        goalRatio: 1,
      },
    ];
  },
};

export default suite;
