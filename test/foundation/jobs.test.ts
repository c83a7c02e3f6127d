import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { claimRun, schedule } from '../../src/db/jobs.js';
import { createTestDatabase, type TestDatabase } from '../harness.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe('scheduled jobs', () => {
  it('of many instances claiming the same run at once, exactly one gets it; the next claim waits for the period', async () => {
    const claims = await Promise.all(Array.from({ length: 8 }, () => claimRun(t.database.db, 'test.concurrent', 60_000)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await claimRun(t.database.db, 'test.concurrent', 60_000)).toBe(false);
    // Once the period has passed, the job is due again.
    await t.database.db.execute(sql`update scheduled_jobs set last_started_at = now() - interval '61 seconds' where name = 'test.concurrent'`);
    expect(await claimRun(t.database.db, 'test.concurrent', 60_000)).toBe(true);
  });

  it('two schedulers on one database run a job once per period between them', async () => {
    let runs = 0;
    const job = { name: 'test.shared', everyMs: 60_000, run: async () => (runs += 1) };
    const errors: unknown[] = [];
    const stops = [schedule(t.database.db, [job], (_n, e) => errors.push(e)), schedule(t.database.db, [job], (_n, e) => errors.push(e))];
    // Both tick every 6 s; wait for the first ticks.
    await new Promise((resolve) => setTimeout(resolve, 6_500));
    stops.forEach((stop) => stop());
    expect(errors).toEqual([]);
    expect(runs).toBe(1);
    const [row] = await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from scheduled_jobs where name = 'test.shared'`);
    expect(row!.n).toBe(1);
  });
});
