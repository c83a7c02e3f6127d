/**
 * Sign-in throughput: POST /auth/login with correct passwords for many users, as a ratio to this
 * machine's raw argon2id verify rate with the same parameters and the same concurrency, measured in
 * the same run (goal ≥ 0.8: the service adds little beyond the hash itself).
 *
 * The host's speed drifts (a shared VM can vary by 20 % within a minute), so the two are measured in
 * alternation: raw, service, raw, service, …, raw, and each service round is compared with the mean
 * of the raw rounds either side of it. The service first runs a warm-up of sign-ins, so its code is
 * compiled as in a server that has been up for a while.
 *
 * Both sides have the same number of operations in flight (BENCH_SIGNIN_CONNECTIONS, default 32): the
 * reference here on the libuv pool (UV_THREADPOOL_SIZE, default 4), the service on its own hash
 * threads (one per CPU, at most four, at a lower priority: src/modules/users/password.threads.ts).
 * BENCH_SIGNIN_USERS (default 200) accounts sign in in turn; all must succeed.
 * BENCH_SIGNIN_ROUNDS (default 3) service rounds of BENCH_SECONDS each; BENCH_SIGNIN_WARMUP_SECONDS
 * (default 10).
 */
import { verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { hashPassword } from '../../src/modules/users/password.js';
import { checkpoint, NO_CHECKPOINT } from '../lib/database.js';
import type { BenchRow, BenchSuite, LoadResult } from '../types.js';

const USERS = Number(process.env.BENCH_SIGNIN_USERS ?? 200);

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Verifies `hash` with `concurrency` calls in flight for `seconds`; returns verifies per second. */
async function rawVerifyRate(hash: string, password: string, concurrency: number, seconds: number): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let done = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      if (!(await verify(hash, password))) throw new Error('argon2 reference verify failed');
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done / ((performance.now() - started) / 1000);
}

const suite: BenchSuite = {
  name: 'signin',
  async run(ctx) {
    const password = `bench-signin-${randomBytes(9).toString('base64url')}`;
    const hash = await hashPassword(password);
    const tag = randomBytes(4).toString('hex');
    const emails = Array.from({ length: USERS }, (_, i) => `signin.${tag}.${i}@bench.example`);

    const client = new pg.Client({ connectionString: ctx.databaseUrl });
    await client.connect();
    let checkpointed = false;
    try {
      await client.query(
        `insert into users (email, name, role, ministry, password_hash)
         select unnest($1::text[]), 'Bench user', 'ministry_staff', 'interior', $2`,
        [emails, hash],
      );
      checkpointed = await checkpoint(client);
    } finally {
      await client.end();
    }

    // Enough sign-ins in flight to keep the service's argon2id pool busy while others wait on the
    // database; the reference runs with the same number in flight.
    const connections = Math.round(positive('BENCH_SIGNIN_CONNECTIONS', 32));
    const seconds = positive('BENCH_SECONDS', 5);
    const rounds = Math.round(positive('BENCH_SIGNIN_ROUNDS', 3));
    const warmupSeconds = positive('BENCH_SIGNIN_WARMUP_SECONDS', 10);
    let next = 0;
    const load = (round: number) =>
      ctx.load({
        title: `POST /auth/login (correct passwords, many users), round ${round + 1} of ${rounds}`,
        url: '/auth/login',
        method: 'POST',
        // The next user for every request sent, so the sign-ins in flight are of different users:
        // concurrent attempts on one account from one address are capped by the lockout claims
        // (LOGIN_MAX_FAILURES in flight), as they must be.
        requests: [
          {
            method: 'POST',
            path: '/auth/login',
            headers: { 'content-type': 'application/json' },
            setupRequest: (request) => ({ ...request, body: JSON.stringify({ email: emails[(next += 1) % emails.length], password }) }),
          },
        ],
        connections,
        seconds,
        warmupSeconds: round === 0 ? warmupSeconds : 0,
      });

    // Warm the reference (thread pool, memory) before timing it.
    await rawVerifyRate(hash, password, connections, 0.5);
    const raw = [await rawVerifyRate(hash, password, connections, seconds)];
    const service: LoadResult[] = [];
    for (let round = 0; round < rounds; round++) {
      const result = await load(round);
      if (result.non2xx > 0 || result.errors > 0) {
        throw new Error(`sign-in load had ${result.non2xx} non-2xx answers and ${result.errors} errors: the figure would be meaningless`);
      }
      service.push(result);
      raw.push(await rawVerifyRate(hash, password, connections, seconds));
    }

    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
    const perRound = service.map((result, i) => result.requestsPerSecond / mean([raw[i]!, raw[i + 1]!]));
    const serviceRate = mean(service.map((r) => r.requestsPerSecond));
    // The reference that gives the mean of the per-round ratios: each round's bracketing raw mean,
    // weighted like its round.
    const referenceRate = serviceRate / mean(perRound);
    const row: BenchRow = {
      scenario: `sign-in: POST /auth/login, ${USERS} users, ${connections} connections`,
      unit: 'req/s',
      value: serviceRate,
      p50Ms: mean(service.map((r) => r.p50Ms)),
      p99Ms: Math.max(...service.map((r) => r.p99Ms)),
      reference:
        `raw argon2id verify/s (m=19456, t=2, p=1; ${connections} in flight, ${process.env.UV_THREADPOOL_SIZE ?? 4} pool threads), ` +
        `alternating with the service: raw ${raw.map((r) => r.toFixed(0)).join(' / ')}; per-round ratios ${perRound.map((r) => r.toFixed(2)).join(', ')}` +
        (checkpointed ? '' : NO_CHECKPOINT),
      referenceValue: referenceRate,
      goalRatio: 0.8,
    };
    return [row];
  },
};

export default suite;
