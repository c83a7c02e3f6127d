import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * How much less the hashing threads weigh with the scheduler than everything else (a nice value):
 * on a busy machine a request's database round trips and the event loop run first when they are
 * ready, and hashes take the rest of the CPU — which they do in full when nothing else is waiting.
 * Linux only, where the nice value belongs to a thread; elsewhere it would lower the whole service.
 */
export const HASH_THREAD_NICE = 10;

type HashJob = { kind: 'hash'; password: string; options: object } | { kind: 'verify'; hashed: string; password: string };

/**
 * The worker: lowers its own priority once, then hashes or verifies one job at a time, synchronously,
 * on its own thread. CommonJS in a string, so it runs the same from the sources (tsx, vitest) and
 * from the build, with argon2 resolved by the service (workerData) rather than from the working
 * directory; started without the parent's flags (a loader, `--input-type=module`), which it does not need.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
if (workerData.nice !== null) {
  try { require('node:os').setPriority(0, workerData.nice); } catch {}
}
const { hashSync, verifySync } = require(workerData.argon2);
parentPort.on('message', ({ id, job }) => {
  try {
    const value = job.kind === 'hash' ? hashSync(job.password, job.options) : verifySync(job.hashed, job.password);
    parentPort.postMessage({ id, ok: true, value });
  } catch (error) {
    parentPort.postMessage({ id, ok: false, message: error instanceof Error ? error.message : String(error) });
  }
});
`;

interface Task {
  id: number;
  job: HashJob;
  resolve: (value: string | boolean) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  /** Its tasks in the order it takes them: the first is running, the next waits in its port. */
  tasks: Task[];
}

/**
 * Jobs handed to a thread at once: the one it runs and the next, which it takes as soon as it posts
 * a result instead of waiting for the event loop (busy with requests) to hand it one. A job waits
 * behind at most one other on its thread.
 */
const JOBS_PER_THREAD = 2;

/** At most this many threads by default (the libuv pool's size, which hashed before): 19 MiB each while hashing. */
const MAX_DEFAULT_THREADS = 4;

/**
 * argon2 on a few threads of its own, at a lower priority (HASH_THREAD_NICE): `size` jobs at once (by
 * default one per CPU, at most four), each thread holding its next job too (JOBS_PER_THREAD), the
 * rest queued in order; threads start on first demand. A thread keeps the process alive only while
 * it has a job, so a command-line tool that hashes once still exits. A thread that dies fails its
 * jobs and is replaced.
 */
export function createHashThreads(options: { size?: number; nice?: number | null } = {}) {
  const size = Math.max(1, options.size ?? Math.min(MAX_DEFAULT_THREADS, availableParallelism()));
  const nice = options.nice === undefined ? (process.platform === 'linux' ? HASH_THREAD_NICE : null) : options.nice;
  const argon2 = createRequire(import.meta.url).resolve('@node-rs/argon2');
  const threads: Thread[] = [];
  const queue: Task[] = [];
  let nextId = 0;

  function spawn(): Thread {
    const thread: Thread = { worker: new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { argon2, nice } }), tasks: [] };
    thread.worker.unref();
    thread.worker.on('message', (message: { id: number; ok: boolean; value?: string | boolean; message?: string }) => {
      const task = thread.tasks[0];
      if (!task || task.id !== message.id) return;
      thread.tasks.shift();
      settle(thread);
      if (message.ok) task.resolve(message.value!);
      else task.reject(new Error(message.message));
    });
    const lost = (error: Error) => {
      const index = threads.indexOf(thread);
      if (index < 0) return;
      threads.splice(index, 1);
      for (const task of thread.tasks.splice(0)) task.reject(error);
      pump();
    };
    thread.worker.on('error', lost);
    thread.worker.on('exit', (code) => lost(new Error(`a password hashing thread stopped (exit code ${code})`)));
    threads.push(thread);
    return thread;
  }

  /** The thread finished a job: with none left it stops holding the process; it takes the next if there is one. */
  function settle(thread: Thread): void {
    if (thread.tasks.length === 0) thread.worker.unref();
    pump();
  }

  /** An idle thread, else a new one while there are fewer than `size`, else the least loaded with room. */
  function threadWithRoom(): Thread | undefined {
    const idle = threads.find((t) => t.tasks.length === 0);
    if (idle) return idle;
    if (threads.length < size) return spawn();
    let best: Thread | undefined;
    for (const t of threads) if (t.tasks.length < JOBS_PER_THREAD && (!best || t.tasks.length < best.tasks.length)) best = t;
    return best;
  }

  function pump(): void {
    while (queue.length > 0) {
      let thread: Thread | undefined;
      try {
        thread = threadWithRoom();
      } catch (error) {
        // No thread could be started (memory, a thread limit): the job fails, the service goes on.
        queue.shift()!.reject(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      if (!thread) return;
      const task = queue.shift()!;
      thread.tasks.push(task);
      thread.worker.ref();
      thread.worker.postMessage({ id: task.id, job: task.job });
    }
  }

  function run<T extends string | boolean>(job: HashJob): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      queue.push({ id: nextId++, job, resolve: resolve as (value: string | boolean) => void, reject });
      pump();
    });
  }

  return {
    size,
    /** Jobs the threads hold at once: running, and each one's next. */
    capacity: size * JOBS_PER_THREAD,
    hash: (password: string, hashOptions: object) => run<string>({ kind: 'hash', password, options: hashOptions }),
    verify: (hashed: string, password: string) => run<boolean>({ kind: 'verify', hashed, password }),
    /** Jobs running and waiting (for tests and metrics). */
    pending: () => queue.length + threads.reduce((n, t) => n + t.tasks.length, 0),
  };
}
