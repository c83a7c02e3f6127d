import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The local tsx, which runs the service's and the seed's TypeScript sources in a child process. */
export const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');

export interface ChildServer {
  name: string;
  baseUrl: string;
  /** Process id of the child, also its process group (what it starts stays in that group). */
  pid: number;
  /** Everything the process wrote, for error reports. */
  output(): string;
  /** SIGTERM, then SIGKILL to its whole process group after `graceMs`. Resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/** A free TCP port on loopback (the child binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `tsx <script>` on a free loopback port and waits until `readyPath` answers 200.
 * The child gets its own process group so a forced stop also reaches the node process tsx starts.
 */
export async function startChild(options: {
  name: string;
  script: string;
  env: Record<string, string>;
  readyPath: string;
  timeoutMs?: number;
  /** Profiled when BENCH_PROFILE_DIR is set. */
  profile?: boolean;
}): Promise<ChildServer> {
  const port = await freePort();
  // BENCH_PROFILE_DIR: the service writes a V8 CPU profile there when it stops (open it in Chrome's DevTools).
  const profile = process.env.BENCH_PROFILE_DIR && options.profile ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE_DIR] : [];
  const child = spawn(TSX, [...profile, options.script], {
    env: { ...process.env, ...options.env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;

  const stop = async (graceMs = 15_000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${options.name} exited with ${child.exitCode} before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      await stop(1_000);
      throw new Error(`${options.name} was not ready within ${options.timeoutMs ?? 120_000} ms:\n${output}`);
    }
    const ok = await fetch(`${baseUrl}${options.readyPath}`).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { name: options.name, baseUrl, pid: child.pid!, output: () => output, stop };
}
