/**
 * Registration throughput: POST /register/:token with distinct officers on one open link, as a ratio
 * to this machine's raw argon2id hash rate with the same parameters and the same concurrency,
 * measured in the same run (goal ≥ 0.7: a registration is one hash plus one audited transaction).
 *
 * As in the sign-in suite, raw and service rounds alternate (raw, service, raw, …) and each service
 * round is compared with the mean of the raw rounds either side of it. The runner raises the
 * registration throttle's limits for the service (REGISTER_ADDRESS_MAX, REGISTER_LINK_MAX), since
 * every request comes from loopback; the throttle still counts every registration.
 * BENCH_REGISTER_CONNECTIONS (default 16), BENCH_REGISTER_ROUNDS (default 3), BENCH_SECONDS each.
 */
import { hash } from '@node-rs/argon2';
import { randomBytes, randomInt } from 'node:crypto';
import pg from 'pg';
import { ARGON2_PARAMS } from '../../src/modules/users/password.js';
import type { BenchRow, BenchSuite, LoadResult } from '../types.js';

const BODIES = 5_000;

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

async function rawHashRate(password: string, concurrency: number, seconds: number): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let done = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      await hash(password, ARGON2_PARAMS);
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done / ((performance.now() - started) / 1000);
}

const suite: BenchSuite = {
  name: 'registration',
  async run(ctx) {
    const client = new pg.Client({ connectionString: ctx.databaseUrl });
    await client.connect();
    const token = randomBytes(32).toString('base64url');
    let consent: string;
    try {
      const staff = await client.query<{ id: string }>(
        `insert into users (email, name, role, ministry, password_hash) values ($1, 'Bench staff', 'ministry_staff', 'interior', null) returning id`,
        [`registration.${randomBytes(4).toString('hex')}@bench.example`],
      );
      await client.query(`insert into registration_links (token, ministry, label, created_by) values ($1, 'interior', 'bench', $2)`, [token, staff.rows[0]!.id]);
      const row = await client.query<{ version: string }>(`select version from consent_texts order by published_at desc, version desc limit 1`);
      consent = row.rows[0]!.version;
    } finally {
      await client.end();
    }
    const password = `bench registration ${randomBytes(6).toString('base64url')}`;
    const body = (i: number) =>
      JSON.stringify({
        fullNameAr: 'محمد أحمد الحموي',
        fullNameLatin: 'Mohammad Ahmad Al-Hamwi',
        birthDate: '1980-05-14',
        sex: 'male',
        nationalId: String(10_000_000_000 + i * 7919 + randomInt(7919)),
        serviceNumber: `B${100000 + i}`,
        phone: '+905551234567',
        email: `officer.${i}@bench.example`,
        residenceCountry: 'TR',
        insideSyria: false,
        branch: 'police',
        rank: 'captain',
        specializations: ['law', 'criminal_investigation'],
        education: { degree: 'bachelor', field: 'law' },
        separationKind: 'defected',
        separationDate: '2012-07-01',
        password,
        consent: { accepted: true, textVersion: consent },
      });
    const requests = Array.from({ length: BODIES }, (_, i) => ({
      method: 'POST' as const,
      path: `/register/${token}`,
      headers: { 'content-type': 'application/json' },
      body: body(i),
    }));

    const connections = Math.round(positive('BENCH_REGISTER_CONNECTIONS', 16));
    const seconds = positive('BENCH_SECONDS', 5);
    const rounds = Math.round(positive('BENCH_REGISTER_ROUNDS', 3));
    const load = (round: number) =>
      ctx.load({
        title: `POST /register/:token (distinct officers), round ${round + 1} of ${rounds}`,
        url: `/register/${token}`,
        method: 'POST',
        requests,
        connections,
        seconds,
        warmupSeconds: round === 0 ? 3 : 0,
      });

    await rawHashRate(password, connections, 0.5);
    const raw = [await rawHashRate(password, connections, seconds)];
    const service: LoadResult[] = [];
    for (let round = 0; round < rounds; round++) {
      const result = await load(round);
      if (result.non2xx > 0 || result.errors > 0) {
        throw new Error(`registration load had ${result.non2xx} non-2xx answers and ${result.errors} errors: the figure would be meaningless`);
      }
      service.push(result);
      raw.push(await rawHashRate(password, connections, seconds));
    }
    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
    const perRound = service.map((result, i) => result.requestsPerSecond / mean([raw[i]!, raw[i + 1]!]));
    const serviceRate = mean(service.map((r) => r.requestsPerSecond));
    const row: BenchRow = {
      scenario: `registration: POST /register/:token, ${connections} connections`,
      unit: 'req/s',
      value: serviceRate,
      p50Ms: mean(service.map((r) => r.p50Ms)),
      p99Ms: Math.max(...service.map((r) => r.p99Ms)),
      reference:
        `raw argon2id hash/s (m=19456, t=2, p=1; ${connections} in flight, ${process.env.UV_THREADPOOL_SIZE ?? 4} pool threads), ` +
        `alternating with the service: raw ${raw.map((r) => r.toFixed(0)).join(' / ')}; per-round ratios ${perRound.map((r) => r.toFixed(2)).join(', ')}`,
      referenceValue: serviceRate / mean(perRound),
      goalRatio: 0.7,
    };
    return [row];
  },
};

export default suite;
