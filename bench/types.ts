/**
 * The contract between the bench runner (bench/run.ts) and the suites in bench/suites/*.ts.
 * Each suite file default-exports a BenchSuite; the runner loads every file in that folder.
 */
export interface BenchContext {
  /** Base URL of the service under test, started by the runner as a child process on loopback. */
  baseUrl: string;
  /** The PostgreSQL database that service runs on (migrated and seeded); suites may add data to it. */
  databaseUrl: string;
  /** Secrets the service was started with, so a suite can sign tokens (JWT_SECRET) or check hashes. */
  env: Record<string, string>;
  /** Process group of the service (its CPU time is read from /proc). */
  servicePid: number;
  /** The ceiling: a bare fastify route (`GET /`) in its own process, started like the service. */
  ceiling: { baseUrl: string; pid: number };
  /** Drives `url` (a path on the service, or an absolute loopback URL) with autocannon for `seconds` (default from BENCH_SECONDS) and summarizes. */
  load(options: LoadOptions): Promise<LoadResult>;
}

export interface LoadOptions {
  title: string;
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
  /** Several request variants used in turn (e.g. different users signing in). */
  requests?: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string;
    /** autocannon's hook: shape each request just before it is sent (e.g. the next user, the next case). */
    setupRequest?: (request: { path?: string; body?: string }) => { path?: string; body?: string };
  }[];
  connections?: number;
  seconds?: number;
  /** Warm-up before the measured load (default from the runner: 1 s). */
  warmupSeconds?: number;
  /**
   * Instead of seconds, warm up with this many requests (e.g. one pass over every case the load
   * rotates through, so the measured run reads the steady state, not the first reads after a load).
   */
  warmupRequests?: number;
  /** Called after the warm-up, right before the measured run (e.g. to read CPU counters). */
  beforeMeasured?: () => Promise<void>;
}

export interface LoadResult {
  /** Requests completed in the measured part (after the warm-up). */
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

/** One printed line: a measured figure next to the reference it is compared with, measured in the same run. */
export interface BenchRow {
  scenario: string;
  /** e.g. "req/s", "entries/s" */
  unit: string;
  value: number;
  p50Ms?: number;
  p99Ms?: number;
  reference: string;
  referenceValue: number;
  /** Optional goal for value / referenceValue, printed next to the ratio. */
  goalRatio?: number;
  /** CPU time per request (µs) of the server process and of its PostgreSQL backends, when measured. */
  cpu?: { serverUs: number; databaseUs?: number };
}

export interface BenchSuite {
  name: string;
  run(ctx: BenchContext): Promise<BenchRow[]>;
}
