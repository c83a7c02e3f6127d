/**
 * The per-request path: `GET /reference/ranks` (public, served from memory), `GET /health/ready`
 * (one query) and `GET /me` (authenticated: the actor reload and the account's committees), each as
 * a ratio to a bare fastify route on the same machine.
 *
 * A shared host's speed drifts (the bare route alone has swung between 37k and 87k req/s in one
 * session), so the bare route is measured right before and right after every scenario, and the
 * scenario's ratio is taken to the mean of those two. The scenarios alternate with it for
 * BENCH_PATH_ROUNDS rounds (default 3): bare, ranks, bare, ready, bare, me, bare, ranks, … The figure
 * is the median of a scenario's per-round ratios (all of them are printed).
 *
 * Beside req/s: CPU µs per request of the service's processes and of the PostgreSQL backends of its
 * database, read from /proc over each measured run (the server must run on this host). They show
 * where the time goes even when other load on the host moves req/s.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { hashPassword } from '../../src/modules/users/password.js';
import { DatabaseCpu, groupCpuMicros } from '../lib/cpu.js';
import type { BenchContext, BenchRow, BenchSuite, LoadOptions } from '../types.js';

interface Scenario {
  title: string;
  url: string;
  headers?: Record<string, string>;
  goalRatio: number;
}

interface Measured {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  serverUs: number;
  databaseUs: number;
}

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A committee member with a seat on a committee, signed in through the API: the token for GET /me. */
async function signedInMember(ctx: BenchContext): Promise<string> {
  const password = `bench-path-${randomBytes(9).toString('base64url')}`;
  const email = `path.${randomBytes(4).toString('hex')}@bench.example`;
  const client = new pg.Client({ connectionString: ctx.databaseUrl });
  await client.connect();
  try {
    const user = await client.query<{ id: string }>(
      `insert into users (email, name, role, ministry, password_hash) values ($1, 'Bench member', 'committee_member', 'interior', $2) returning id`,
      [email, await hashPassword(password)],
    );
    const committee = await client.query<{ id: string }>(`insert into committees (ministry, name) values ('interior', $1) returning id`, [`Bench ${email}`]);
    await client.query(`insert into committee_members (committee_id, user_id, chair) values ($1, $2, true)`, [committee.rows[0]!.id, user.rows[0]!.id]);
  } finally {
    await client.end();
  }
  const res = await fetch(`${ctx.baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`bench sign-in failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

const suite: BenchSuite = {
  name: 'path',
  async run(ctx) {
    const rounds = Math.round(positive('BENCH_PATH_ROUNDS', 3));
    const token = await signedInMember(ctx);
    const scenarios: Scenario[] = [
      { title: 'GET /reference/ranks', url: '/reference/ranks', goalRatio: 0.45 },
      { title: 'GET /health/ready', url: '/health/ready', goalRatio: 0.22 },
      { title: 'GET /me', url: '/me', headers: { authorization: `Bearer ${token}` }, goalRatio: 0.12 },
    ];
    const bare: Scenario = { title: 'bare fastify GET /', url: `${ctx.ceiling.baseUrl}/`, goalRatio: 0 };
    const databaseCpu = await DatabaseCpu.connect(ctx.databaseUrl);

    const measure = async (scenario: Scenario, round: number): Promise<Measured> => {
      const pgrp = scenario === bare ? ctx.ceiling.pid : ctx.servicePid;
      const options: LoadOptions = { title: `${scenario.title}, round ${round}`, url: scenario.url, warmupSeconds: 0 };
      if (scenario.headers) options.headers = scenario.headers;
      const serverBefore = groupCpuMicros(pgrp);
      const databaseSince = await databaseCpu.start();
      const result = await ctx.load(options);
      const serverUs = groupCpuMicros(pgrp) - serverBefore;
      const databaseUs = await databaseSince();
      if (result.non2xx > 0 || result.errors > 0) {
        throw new Error(`${scenario.title}: ${result.non2xx} non-2xx answers and ${result.errors} errors; the figure would be meaningless`);
      }
      const requests = Math.max(1, result.requests);
      return {
        requestsPerSecond: result.requestsPerSecond,
        p50Ms: result.p50Ms,
        p99Ms: result.p99Ms,
        serverUs: serverUs / requests,
        databaseUs: scenario === bare ? 0 : databaseUs / requests,
      };
    };

    try {
      // Warm-up: connections opened, code compiled, caches filled, on both servers.
      for (const scenario of [bare, ...scenarios]) {
        const options: LoadOptions = { title: `warm-up: ${scenario.title}`, url: scenario.url, seconds: 2, warmupSeconds: 0 };
        if (scenario.headers) options.headers = scenario.headers;
        await ctx.load(options);
      }
      const bareRuns: Measured[] = [await measure(bare, 0)];
      const runs = new Map<Scenario, { measured: Measured; ratio: number }[]>(scenarios.map((s) => [s, []]));
      for (let round = 1; round <= rounds; round++) {
        for (const scenario of scenarios) {
          const before = bareRuns.at(-1)!;
          const measured = await measure(scenario, round);
          const after = await measure(bare, round);
          bareRuns.push(after);
          runs.get(scenario)!.push({ measured, ratio: measured.requestsPerSecond / mean([before.requestsPerSecond, after.requestsPerSecond]) });
        }
      }

      const bareRate = mean(bareRuns.map((r) => r.requestsPerSecond));
      const rows: BenchRow[] = [
        {
          scenario: 'ceiling: bare fastify GET /',
          unit: 'req/s',
          value: bareRate,
          p50Ms: mean(bareRuns.map((r) => r.p50Ms)),
          p99Ms: Math.max(...bareRuns.map((r) => r.p99Ms)),
          cpu: { serverUs: mean(bareRuns.map((r) => r.serverUs)) },
          reference: `bare fastify req/s (${bareRuns.length} runs: ${bareRuns.map((r) => r.requestsPerSecond.toFixed(0)).join(' / ')})`,
          referenceValue: bareRate,
        },
      ];
      for (const scenario of scenarios) {
        const measured = runs.get(scenario)!;
        const ratios = measured.map((m) => m.ratio);
        const value = mean(measured.map((m) => m.measured.requestsPerSecond));
        rows.push({
          scenario: scenario.title,
          unit: 'req/s',
          value,
          p50Ms: mean(measured.map((m) => m.measured.p50Ms)),
          p99Ms: Math.max(...measured.map((m) => m.measured.p99Ms)),
          cpu: { serverUs: mean(measured.map((m) => m.measured.serverUs)), databaseUs: mean(measured.map((m) => m.measured.databaseUs)) },
          reference: `bare fastify req/s, mean of the runs just before and after; per-round ratios ${ratios.map((r) => r.toFixed(3)).join(', ')} (median shown)`,
          // The reference that makes value / referenceValue the median per-round ratio.
          referenceValue: value / median(ratios),
          goalRatio: scenario.goalRatio,
        });
      }
      return rows;
    } finally {
      await databaseCpu.close();
    }
  },
};

export default suite;
