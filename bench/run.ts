/**
 * npm run bench — runs the suites in bench/suites/ against the service on a PostgreSQL server, next to
 * references measured on the same machine in the same run (the ceiling: a bare fastify route).
 *
 *   DATABASE_URL   server to create the bench database on (default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_SECONDS  seconds per load scenario (default 5), after a 1 s warm-up
 *   BENCH_CONNECTIONS  concurrent connections (default 10)
 *   BENCH_SUITES   comma-separated suite names or file names to run (default: all)
 *   BENCH_PROFILE_DIR  if set, the service writes a V8 CPU profile (.cpuprofile) there when it stops
 *
 * Prints one table and writes bench/results.json. Every child process is stopped and the bench
 * database dropped at the end, also on failure or Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { ephemeralSecrets } from '../src/secrets.js';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startChild, type ChildServer } from './lib/children.js';
import { createBenchDatabase } from './lib/database.js';
import { dropDemoTemplates } from './lib/demo.js';
import { runLoad, stopLoads, type LoadDefaults, type RecordedLoad } from './lib/load.js';
import { formatTable, ratioOf } from './lib/report.js';
import type { BenchContext, BenchRow, BenchSuite } from './types.js';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const SUITES_DIR = join(BENCH_DIR, 'suites');
const RESULTS_FILE = join(BENCH_DIR, 'results.json');

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not "${raw}"`);
  return value;
}

/** Fixed secrets for the service under test, also handed to suites (to sign tokens, check hashes). */
function benchSecrets(): Record<string, string> {
  const secrets = ephemeralSecrets();
  return {
    JWT_SECRET: secrets.jwtSecret,
    AUDIT_HMAC_KEY: secrets.auditHmacKey,
    AUDIT_SIGNING_KEY: secrets.auditSigningKey,
    MFA_ENCRYPTION_KEY: secrets.mfaKey,
    ADMIN_EMAIL: 'bench-admin@example.test',
    ADMIN_PASSWORD: `bench-${randomBytes(12).toString('base64url')}`,
  };
}

async function loadSuites(filter: string[]): Promise<{ file: string; suite: BenchSuite }[]> {
  let files: string[];
  try {
    files = readdirSync(SUITES_DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort();
  } catch {
    return [];
  }
  const suites: { file: string; suite: BenchSuite }[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(join(SUITES_DIR, file)).href)) as { default?: BenchSuite };
    const suite = module.default;
    if (!suite || typeof suite.run !== 'function' || typeof suite.name !== 'string') {
      throw new Error(`bench/suites/${file} must default-export a BenchSuite { name, run(ctx) }`);
    }
    const stem = basename(file, '.ts');
    if (filter.length === 0 || filter.includes(stem) || filter.includes(suite.name)) suites.push({ file, suite });
  }
  return suites;
}

const children: ChildServer[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
let cleaned: Promise<void> | undefined;

/** Stops every child, then drops the database and the temp dir; safe to call twice. */
function cleanup(): Promise<void> {
  cleaned ??= (async () => {
    stopLoads();
    await Promise.all(
      children.splice(0).map(async (child) => {
        const code = await child.stop().catch(() => null);
        if (code !== 0) console.error(`warning: ${child.name} exited with ${code}`);
      }),
    );
    for (const fn of cleanups.splice(0).reverse()) {
      await fn().catch((error: unknown) => console.error(`cleanup failed: ${String(error)}`));
    }
  })();
  return cleaned;
}

// Ctrl-C may arrive twice (from the terminal and relayed by tsx): clean up once, ignore the rest.
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping the bench`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  const serverUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const defaults: Omit<LoadDefaults, 'baseUrl'> = {
    seconds: positive('BENCH_SECONDS', 5),
    connections: Math.round(positive('BENCH_CONNECTIONS', 10)),
    warmupSeconds: 1,
  };
  const filter = (process.env.BENCH_SUITES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const suites = await loadSuites(filter);
  if (suites.length === 0) throw new Error(`no suite in bench/suites matches BENCH_SUITES=${filter.join(',')}`);

  const database = await createBenchDatabase(serverUrl);
  cleanups.push(() => database.drop());
  // Demo databases the suites asked for (bench/lib/demo.ts), seeded once and copied per suite.
  cleanups.push(() => dropDemoTemplates());
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));

  const secrets = benchSecrets();
  const serviceEnv: Record<string, string> = {
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    STAFF_MFA: 'optional',
    LOG_LEVEL: 'warn',
    // Every bench request comes from loopback: the registration suite measures throughput, not the throttle.
    REGISTER_ADDRESS_MAX: '1000000',
    REGISTER_LINK_MAX: '1000000',
    REGISTER_HASH_CONCURRENCY: process.env.REGISTER_HASH_CONCURRENCY ?? '2',
    ...secrets,
  };
  console.log(`bench: database ${database.name}; ${defaults.seconds} s per scenario, ${defaults.connections} connections; ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}`);

  const [ceiling, service] = await Promise.all([
    startChild({ name: 'ceiling (bare fastify)', script: join(BENCH_DIR, 'lib', 'ceiling.ts'), env: {}, readyPath: '/' }).then((c) => (children.push(c), c)),
    startChild({ name: 'service', script: 'src/server.ts', env: serviceEnv, readyPath: '/health/ready', profile: true }).then((c) => (children.push(c), c)),
  ]);

  const loads: RecordedLoad[] = [];
  const failures: string[] = [];
  const load = async (options: Parameters<BenchContext['load']>[0]) => {
    const result = await runLoad(options, { ...defaults, baseUrl: service.baseUrl });
    loads.push(result);
    console.log(
      `  ${result.title}: ${Math.round(result.requestsPerSecond)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms` +
        (result.non2xx || result.errors ? ` (${result.non2xx} non-2xx, ${result.errors} errors)` : ''),
    );
    return result;
  };

  const rows: BenchRow[] = [];

  const ctx: BenchContext = {
    baseUrl: service.baseUrl,
    databaseUrl: database.url,
    env: { ...serviceEnv },
    servicePid: service.pid,
    ceiling: { baseUrl: ceiling.baseUrl, pid: ceiling.pid },
    load: (options) => load(options),
  };
  for (const { file, suite } of suites) {
    console.log(`suite ${suite.name} (bench/suites/${file})`);
    try {
      rows.push(...(await suite.run(ctx)));
    } catch (error) {
      failures.push(`suite ${suite.name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }

  console.log(`\n${formatTable(rows)}\n`);
  for (const failure of failures) console.error(`FAILED ${failure}`);
  writeFileSync(
    RESULTS_FILE,
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        machine: { cpus: cpus().length, model: cpus()[0]?.model ?? null, node: process.version, platform: process.platform },
        settings: defaults,
        rows: rows.map((row) => ({ ...row, ratio: ratioOf(row) })),
        loads,
        failures,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`results written to ${RESULTS_FILE}`);
  if (failures.length > 0) console.error(`service output:\n${service.output().slice(-4000)}`);
  return failures.length > 0 ? 1 : 0;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
} finally {
  await cleanup();
}
process.exit(exitCode);
