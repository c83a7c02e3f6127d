import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The server as a real child process: the production start (`npm start`) or the development one (`tsx`). */
export interface ServerProcess {
  child: ChildProcess;
  /** Base URL read from the start-up banner ("… on http://host:port"). */
  baseUrl: string;
  stdout(): string;
  stderr(): string;
  /** Sends `signal` and resolves with the exit code (null when killed by a signal); SIGKILL goes to the whole process group. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');

/** Environment for the child: ours minus anything that would pick another database or secrets. */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DATABASE_URL', 'DATA_DIR', 'PORT', 'HOST', 'JWT_SECRET', 'AUDIT_HMAC_KEY', 'AUDIT_SIGNING_KEY', 'ADMIN_EMAIL', 'ADMIN_PASSWORD']) {
    delete base[name];
  }
  return { ...base, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', ...env };
}

/** `npm-start`: `npm start` exactly as documented (it builds, then runs `node dist/src/server.js`); `tsx`: the sources. */
export type StartCommand = 'npm-start' | 'tsx';

export async function startServer(env: Record<string, string>, timeoutMs = 90_000, command: StartCommand = 'tsx'): Promise<ServerProcess> {
  const [file, args] = command === 'npm-start' ? ['npm', ['start']] : [TSX, ['src/server.ts']];
  // Own process group: a forced stop must also reach the node process that npm or tsx starts.
  const child = spawn(file, args, { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const kill = (signal: NodeJS.Signals) => {
    try {
      if (signal === 'SIGKILL') process.kill(-child.pid!, signal);
      else child.kill(signal);
    } catch {
      // Already gone.
    }
  };
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      kill('SIGKILL');
      reject(new Error(`server did not start in ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`));
    }, timeoutMs);
    const check = () => {
      const match = /API on (http:\/\/\S+)/.exec(out);
      if (match && out.includes('API docs:')) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it started\nstdout: ${out}\nstderr: ${err}`));
    });
  });

  return {
    child,
    baseUrl,
    stdout: () => out,
    stderr: () => err,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) {
        // The direct child is gone; anything it left in its process group is killed too.
        if (signal === 'SIGKILL') kill('SIGKILL');
        return child.exitCode;
      }
      kill(signal);
      const timer = setTimeout(() => kill('SIGKILL'), 20_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
