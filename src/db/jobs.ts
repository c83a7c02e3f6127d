import { sql } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { queryRows, type Db } from './client.js';

/** A stable 63-bit advisory lock key for a job name. */
function lockKey(name: string): bigint {
  return BigInt.asIntN(64, createHash('sha256').update(`job:${name}`).digest().readBigUInt64BE(0));
}

/**
 * Claims a run of `name` if none started within `everyMs` on any instance: one short transaction
 * that takes a transaction-scoped advisory lock (instances ticking at the same moment do not both
 * claim) and moves the job's last start. The job itself then runs holding no lock and no
 * connection, so a long job (a full audit verification) never pins one of a small pool.
 */
export async function claimRun(db: Db, name: string, everyMs: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [lock] = await queryRows<{ locked: boolean }>(tx, sql`select pg_try_advisory_xact_lock(${lockKey(name)}::bigint) as locked`);
    if (!lock?.locked) return false;
    const claimed = await queryRows<{ name: string }>(
      tx,
      sql`insert into scheduled_jobs as j (name, last_started_at) values (${name}, now())
          on conflict (name) do update set last_started_at = now()
          where j.last_started_at <= now() - make_interval(secs => ${everyMs / 1_000}::float8)
          returning j.name`,
    );
    return claimed.length === 1;
  });
}

export interface Job {
  name: string;
  everyMs: number;
  run(): Promise<unknown>;
}

/**
 * Runs each job every `everyMs` on exactly one instance (whichever claims it first). Instances check
 * at a tenth of the period, so a run is at most that late. Returns a stop function.
 */
export function schedule(db: Db, jobs: Job[], onError: (job: string, error: unknown) => void): () => void {
  const timers = jobs.map((job) => {
    let running = false;
    const tick = async () => {
      if (running) return;
      running = true;
      try {
        if (await claimRun(db, job.name, job.everyMs)) await job.run();
      } catch (error) {
        onError(job.name, error);
      } finally {
        running = false;
      }
    };
    const timer = setInterval(() => void tick(), Math.max(1_000, Math.floor(job.everyMs / 10)));
    timer.unref();
    return timer;
  });
  return () => timers.forEach(clearInterval);
}
