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
import { DatabaseCpu, groupCpuMicros, groupMainThreadCpuMicros } from '../lib/cpu.js';
import type { BenchRow, BenchSuite, LoadResult } from '../types.js';

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

const suite: BenchSuite = {
  name: 'registration',
  async run(ctx) {
    const client = new pg.Client({ connectionString: ctx.databaseUrl });
    await client.connect();
    const token = randomBytes(32).toString('base64url');
    let consent: string;
    // Each registration searches every case born within a year of its officer for similar names
    // (DESIGN §7), so its cost grows with the cases already there: in a full run the duplicates suite
    // has left 100,000 before this one starts. The figure names how many there were.
    let casesBefore: number;
    try {
      casesBefore = Number((await client.query<{ n: string }>('select count(*) as n from applications')).rows[0]!.n);
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
    const bodies = Array.from({ length: BODIES }, (_, i) => body(i));
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
    const databaseCpu = await DatabaseCpu.connect(ctx.databaseUrl);
    const cpu = { serverUs: 0, mainUs: 0, databaseUs: 0, requests: 0 };
    const load = async (round: number) => {
      const serverBefore = groupCpuMicros(ctx.servicePid);
      const mainBefore = groupMainThreadCpuMicros(ctx.servicePid);
      const databaseSince = await databaseCpu.start();
      const result = await ctx.load({
        title: `POST /register/:token (distinct officers), round ${round + 1} of ${rounds}`,
        url: `/register/${token}`,
        method: 'POST',
        requests,
        connections,
        seconds,
        warmupSeconds: round === 0 ? 3 : 0,
      });
      // Warm-up requests are counted by neither side: the first round's CPU includes them, so skip it.
      if (round > 0) {
        cpu.serverUs += groupCpuMicros(ctx.servicePid) - serverBefore;
        cpu.mainUs += groupMainThreadCpuMicros(ctx.servicePid) - mainBefore;
        cpu.databaseUs += await databaseSince();
        cpu.requests += result.requests;
      } else {
        await databaseSince();
      }
      return result;
    };

    await rawHashRate(password, connections, 0.5);
    rawCpuPerHash = [];
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
      scenario: `registration: POST /register/:token, ${connections} connections, ${casesBefore.toLocaleString('en-US')} cases before`,
      unit: 'req/s',
      value: serviceRate,
      p50Ms: mean(service.map((r) => r.p50Ms)),
      p99Ms: Math.max(...service.map((r) => r.p99Ms)),
      reference:
        `raw argon2id hash/s (m=19456, t=2, p=1; ${connections} in flight, ${process.env.UV_THREADPOOL_SIZE ?? 4} pool threads), ` +
        `alternating with the service: raw ${raw.map((r) => r.toFixed(0)).join(' / ')}; per-round ratios ${perRound.map((r) => r.toFixed(2)).join(', ')}`,
      referenceValue: serviceRate / mean(perRound),
      goalRatio: 0.7,
      // Where a registration's CPU goes beside its hash (the raw CPU per hash is in the reference text).
      ...(cpu.requests > 0 ? { cpu: { serverUs: cpu.serverUs / cpu.requests, databaseUs: cpu.databaseUs / cpu.requests } } : {}),
    };
    row.reference += `; raw CPU per hash ${mean(rawCpuPerHash).toFixed(0)} µs`;
    if (cpu.requests > 0) row.reference += `; the service's event loop ${(cpu.mainUs / cpu.requests).toFixed(0)} µs per registration`;
    await databaseCpu.close();
    return [row];
  },
};

export default suite;
