/**
 * Registration throughput: POST /register/:token with distinct officers on one open link, as a ratio
 * to this machine's raw argon2id hash rate with the same parameters and the same concurrency,
 * measured in the same run (goal ≥ 0.7: a registration is one hash plus one audited transaction).
 *
 * The suite runs its own service on a database of its own, so its figures do not depend on what the
 * suites before it left behind. It measures twice:
 * 1. on that database as the service creates it (the goal row: issue 11's registration);
 * 2. after BENCH_REGISTER_CASES cases of other officers (default 100,000, the design's scale; 0 skips
 *    it) are added, the same cases as the duplicates suite's: each registration then also searches
 *    every case born within a year of its officer for similar names (DESIGN §7, Intake II), whose
 *    cost grows with the cases there. Reported beside, with what it costs.
 *
 * As in the sign-in suite, raw and service rounds alternate (raw, service, raw, …) and each service
 * round is compared with the mean of the raw rounds either side of it. The runner raises the
 * registration throttle's limits for the service (REGISTER_ADDRESS_MAX, REGISTER_LINK_MAX), since
 * every request comes from loopback; the throttle still counts every registration.
 * BENCH_REGISTER_CONNECTIONS (default 16), BENCH_REGISTER_ROUNDS (default 3), BENCH_SECONDS each;
 * BENCH_REGISTER_WARMUP_SECONDS (default 10) of registrations before the first measurement.
 */
import { hash } from '@node-rs/argon2';
import { randomBytes, randomInt } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { ARGON2_PARAMS } from '../../src/modules/users/password.js';
import { insertCases } from '../lib/cases.js';
import { startChild, type ChildServer } from '../lib/children.js';
import { DatabaseCpu, groupCpuMicros, groupMainThreadCpuMicros } from '../lib/cpu.js';
import { checkpoint, createBenchDatabase, NO_CHECKPOINT } from '../lib/database.js';
import type { BenchContext, BenchRow, BenchSuite, LoadResult } from '../types.js';

/** Officers per measurement: more than a measurement registers; the second one takes the next ones. */
const BODIES = 5_000;

// Distinct officers have distinct names and birth dates: duplicate detection compares every
// registration with every case, and one name and birth date for all would make each a probable
// duplicate of all the others (DESIGN §7).
const FIRST: [string, string][] = [
  ['محمد', 'Mohammad'], ['أحمد', 'Ahmad'], ['علي', 'Ali'], ['خالد', 'Khaled'], ['عمر', 'Omar'], ['حسن', 'Hasan'], ['يوسف', 'Youssef'],
  ['سامر', 'Samer'], ['فادي', 'Fadi'], ['باسل', 'Basel'], ['وائل', 'Wael'], ['ماهر', 'Maher'], ['زياد', 'Ziad'], ['طارق', 'Tarek'],
  ['نبيل', 'Nabil'], ['جمال', 'Jamal'], ['عادل', 'Adel'], ['هشام', 'Hisham'], ['وليد', 'Walid'], ['ياسر', 'Yaser'],
];
const FAMILY: [string, string][] = [
  ['الحموي', 'Al-Hamwi'], ['الحلبي', 'Al-Halabi'], ['الشامي', 'Al-Shami'], ['الخطيب', 'Al-Khatib'], ['النجار', 'Al-Najjar'],
  ['الحداد', 'Al-Haddad'], ['العطار', 'Al-Attar'], ['الزعبي', 'Al-Zoubi'], ['الرفاعي', 'Al-Rifai'], ['قباني', 'Qabbani'],
  ['دياب', 'Diab'], ['سلوم', 'Salloum'], ['خوري', 'Khoury'], ['زيدان', 'Zeidan'], ['عبود', 'Abboud'],
];

/** The i-th officer's names and birth date (unique for i below 6,000). */
function person(i: number) {
  const first = FIRST[i % FIRST.length]!;
  const father = FIRST[Math.floor(i / FIRST.length) % FIRST.length]!;
  const family = FAMILY[Math.floor(i / FIRST.length ** 2) % FAMILY.length]!;
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    fullNameAr: `${first[0]} ${father[0]} ${family[0]}`,
    fullNameLatin: `${first[1]} ${father[1]} ${family[1]}`,
    birthDate: `${1960 + (i % 37)}-${pad(1 + (i % 12))}-${pad(1 + (i % 28))}`,
  };
}

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Hashes per second, and this process's CPU µs per hash (the argon2 threads included). */
let rawCpuPerHash: number[] = [];
async function rawHashRate(password: string, concurrency: number, seconds: number): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let done = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      await hash(password, ARGON2_PARAMS);
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const cpu = process.cpuUsage(cpuBefore);
  rawCpuPerHash.push((cpu.user + cpu.system) / Math.max(1, done));
  return done / ((performance.now() - started) / 1000);
}

/** How many cases the database holds. */
async function countCases(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>('select count(*) as n from applications')).rows[0]!.n);
  } finally {
    await client.end();
  }
}

/** Adds `count` cases of other officers (the duplicates suite's), in one transaction, and analyzes. */
async function addCases(databaseUrl: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('begin');
    await insertCases(async (text) => (await client.query<{ id: string }>(text)).rows, count, 'OTHER');
    await client.query('commit');
    await client.query('analyze applications; analyze applicants');
  } finally {
    await client.end();
  }
}

/**
 * One measurement: a new link, then raw and service rounds in turn, registering officers `first` to
 * `first + BODIES` (each request the next one). Its row names how many cases were there before.
 */
async function measure(
  ctx: BenchContext,
  service: ChildServer,
  databaseUrl: string,
  options: { first: number; label: string; goal: boolean; warmupSeconds: number },
): Promise<BenchRow> {
  const casesBefore = await countCases(databaseUrl);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const token = randomBytes(32).toString('base64url');
  let consent: string;
  let checkpointed = false;
  try {
    const staff = await client.query<{ id: string }>(
      `insert into users (email, name, role, ministry, password_hash) values ($1, 'Bench staff', 'ministry_staff', 'interior', null) returning id`,
      [`registration.${randomBytes(4).toString('hex')}@bench.example`],
    );
    await client.query(`insert into registration_links (token, ministry, label, created_by) values ($1, 'interior', 'bench', $2)`, [token, staff.rows[0]!.id]);
    const row = await client.query<{ version: string }>(`select version from consent_texts order by published_at desc, version desc limit 1`);
    consent = row.rows[0]!.version;
    checkpointed = await checkpoint(client);
  } finally {
    await client.end();
  }
  const password = `bench registration ${randomBytes(6).toString('base64url')}`;
  const body = (i: number) =>
    JSON.stringify({
      ...person(i),
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
  // Each request sent is the next officer: autocannon replays a `requests` list from the start on
  // every connection, which would register the same officer on all of them at once — each then a
  // probable duplicate of the others, which no real registration wave looks like.
  const bodies = Array.from({ length: BODIES }, (_, i) => body(options.first + i));
  let next = -1;
  const requests = [
    {
      method: 'POST' as const,
      path: `/register/${token}`,
      headers: { 'content-type': 'application/json' },
      setupRequest: (request: { body?: string }) => ({ ...request, body: bodies[(next += 1) % bodies.length] }),
    },
  ];

  const connections = Math.round(positive('BENCH_REGISTER_CONNECTIONS', 16));
  const seconds = positive('BENCH_SECONDS', 5);
  const rounds = Math.round(positive('BENCH_REGISTER_ROUNDS', 3));
  const databaseCpu = await DatabaseCpu.connect(databaseUrl);
  const cpu = { serverUs: 0, mainUs: 0, databaseUs: 0, requests: 0 };
  const load = async (round: number) => {
    const serverBefore = groupCpuMicros(service.pid);
    const mainBefore = groupMainThreadCpuMicros(service.pid);
    const databaseSince = await databaseCpu.start();
    const result = await ctx.load({
      title: `POST /register/:token (distinct officers), ${options.label}, round ${round + 1} of ${rounds}`,
      url: `${service.baseUrl}/register/${token}`,
      method: 'POST',
      requests,
      connections,
      seconds,
      warmupSeconds: round === 0 ? options.warmupSeconds : 0,
    });
    // Warm-up requests are counted by neither side: the first round's CPU includes them, so skip it.
    if (round > 0) {
      cpu.serverUs += groupCpuMicros(service.pid) - serverBefore;
      cpu.mainUs += groupMainThreadCpuMicros(service.pid) - mainBefore;
      cpu.databaseUs += await databaseSince();
      cpu.requests += result.requests;
    } else {
      await databaseSince();
    }
    return result;
  };

  rawCpuPerHash = [];
  await rawHashRate(password, connections, 0.5);
  rawCpuPerHash = [];
  const raw = [await rawHashRate(password, connections, seconds)];
  const results: LoadResult[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const result = await load(round);
      if (result.non2xx > 0 || result.errors > 0) {
        throw new Error(`registration load had ${result.non2xx} non-2xx answers and ${result.errors} errors: the figure would be meaningless`);
      }
      results.push(result);
      raw.push(await rawHashRate(password, connections, seconds));
    }
  } finally {
    await databaseCpu.close();
  }
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const perRound = results.map((result, i) => result.requestsPerSecond / mean([raw[i]!, raw[i + 1]!]));
  const serviceRate = mean(results.map((r) => r.requestsPerSecond));
  const row: BenchRow = {
    scenario: `registration: POST /register/:token, ${connections} connections, ${options.label} (${casesBefore.toLocaleString('en-US')} cases before)`,
    unit: 'req/s',
    value: serviceRate,
    p50Ms: mean(results.map((r) => r.p50Ms)),
    p99Ms: Math.max(...results.map((r) => r.p99Ms)),
    reference:
      `raw argon2id hash/s (m=19456, t=2, p=1; ${connections} in flight, ${process.env.UV_THREADPOOL_SIZE ?? 4} pool threads), ` +
      `alternating with the service: raw ${raw.map((r) => r.toFixed(0)).join(' / ')}; per-round ratios ${perRound.map((r) => r.toFixed(2)).join(', ')}`,
    referenceValue: serviceRate / mean(perRound),
    ...(options.goal ? { goalRatio: 0.7 } : {}),
    // Where a registration's CPU goes beside its hash (the raw CPU per hash is in the reference text).
    ...(cpu.requests > 0 ? { cpu: { serverUs: cpu.serverUs / cpu.requests, databaseUs: cpu.databaseUs / cpu.requests } } : {}),
  };
  row.reference += `; raw CPU per hash ${mean(rawCpuPerHash).toFixed(0)} µs`;
  if (!checkpointed) row.reference += NO_CHECKPOINT;
  if (cpu.requests > 0) row.reference += `; the service's event loop ${(cpu.mainUs / cpu.requests).toFixed(0)} µs per registration`;
  return row;
}

/** BENCH_REGISTER_CASES: a whole number, 0 allowed (skips the measurement at scale). */
function casesAtScale(): number {
  const raw = process.env.BENCH_REGISTER_CASES ?? '100000';
  if (!/^\d+$/.test(raw)) throw new Error(`BENCH_REGISTER_CASES must be a whole number, not "${raw}"`);
  return Number(raw);
}

const suite: BenchSuite = {
  name: 'registration',
  async run(ctx) {
    const scale = casesAtScale();
    const database = await createBenchDatabase(ctx.databaseUrl);
    let service: ChildServer | undefined;
    try {
      service = await startChild({
        name: 'service on the registration database',
        script: join(process.cwd(), 'src', 'server.ts'),
        env: { ...ctx.env, DATABASE_URL: database.url },
        readyPath: '/health/ready',
      });
      // The service has just started: the first measurement's warm-up also compiles its code, as the
      // earlier suites' requests did when the suite ran on the runner's service.
      const warmupSeconds = positive('BENCH_REGISTER_WARMUP_SECONDS', 10);
      const rows = [await measure(ctx, service, database.url, { first: 0, label: 'its own database', goal: true, warmupSeconds })];
      if (scale > 0) {
        await addCases(database.url, scale);
        rows.push(
          await measure(ctx, service, database.url, {
            first: BODIES,
            label: `after ${scale.toLocaleString('en-US')} cases of other officers, each registration searching those born within a year for similar names`,
            goal: false,
            warmupSeconds: 3,
          }),
        );
      }
      return rows;
    } finally {
      await service?.stop();
      await database.drop();
    }
  },
};

export default suite;
