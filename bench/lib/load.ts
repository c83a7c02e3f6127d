import autocannon from 'autocannon';
import type { LoadOptions, LoadResult } from '../types.js';

export interface LoadDefaults {
  baseUrl: string;
  seconds: number;
  connections: number;
  warmupSeconds: number;
}

export interface RecordedLoad extends LoadResult {
  title: string;
  url: string;
  seconds: number;
  connections: number;
}

const active = new Set<autocannon.Instance>();
let stopped = false;

/** Stops the loads under way and refuses new ones (on Ctrl-C, before the servers are stopped). */
export function stopLoads(): void {
  stopped = true;
  for (const instance of active) instance.stop();
}

function run(options: autocannon.Options): Promise<autocannon.Result> {
  if (stopped) return Promise.reject(new Error('the bench was interrupted'));
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error: unknown, result) => {
      active.delete(instance);
      if (error) reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }));
      else resolve(result);
    });
    active.add(instance);
  });
}

/** Drives one URL (or a rotation of request variants) with autocannon on loopback, after a short warm-up. */
export async function runLoad(options: LoadOptions, defaults: LoadDefaults): Promise<RecordedLoad> {
  const url = options.url.startsWith('/') ? `${defaults.baseUrl}${options.url}` : options.url;
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') throw new Error(`bench load must stay on loopback, not ${host}`);
  const connections = options.connections ?? defaults.connections;
  const seconds = options.seconds ?? defaults.seconds;
  const common: autocannon.Options = {
    url,
    connections,
    method: options.method ?? 'GET',
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.requests ? { requests: options.requests as autocannon.Request[] } : {}),
  };
  const warmupSeconds = options.warmupSeconds ?? defaults.warmupSeconds;
  if (options.warmupRequests || warmupSeconds > 0) {
    const warmup = await run(options.warmupRequests ? { ...common, amount: options.warmupRequests } : { ...common, duration: warmupSeconds });
    // The warm-up's last requests are abandoned, not cancelled: the service finishes them. Let it,
    // before the measured run starts, so the run neither inherits their work nor, with its own
    // requests, finds twice its connections in flight (a sign-in throttle counts them).
    await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, warmup.latency.max * 1.5)));
  }
  await options.beforeMeasured?.();
  const result = await run({ ...common, duration: seconds, title: options.title });
  return {
    title: options.title,
    url,
    seconds,
    connections,
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
