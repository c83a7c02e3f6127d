import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, createUser, tokenFor, type TestUser } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { waitFor } from '../wait.js';

/**
 * Issue 10 item 5: one stuck holder of the chain head must not take the API down. With the head row
 * locked by another connection, audited changes hold the pool's connections while they wait for it;
 * everyone else waits for a connection only DB_ACQUIRE_TIMEOUT_MS and is answered 503 with
 * Retry-After (problem+json), not 500; requests that need no connection still answer; when the lock
 * goes, everything recovers.
 */
const POOL = 3;
let t: TestApp;
let user: TestUser;
beforeAll(async () => {
  t = await createTestApp({ DB_ACQUIRE_TIMEOUT_MS: '500' }, { poolMax: POOL });
  user = await createUser(t, { role: 'auditor' });
});
afterAll(() => t.close());


describe.skipIf(!inject('testServerUrl'))('a stuck holder of the chain head', () => {
  it('fills the pool with waiting writers; the rest get 503 with Retry-After, /health/live answers; all recovers when it lets go', async () => {
    const tokens = await Promise.all(Array.from({ length: POOL + 3 }, () => tokenFor(t, user)));
    const me = await tokenFor(t, user);
    const holder = new pg.Client({ connectionString: t.url });
    await holder.connect();
    let released = false;
    try {
      await holder.query('begin');
      await holder.query('select seq from audit_head where id = 1 for update');

      // Audited changes (sign-outs) take a connection and wait for the head.
      const logouts = tokens.map((token) => t.app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(token) }));
      const waiting = async () => {
        const { rows } = await holder.query<{ n: string }>(
          "select count(*)::text as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()",
        );
        return Number(rows[0]!.n) >= POOL;
      };
      expect(await waitFor(waiting, 10_000, 50)).toBe(true);

      const busy = await Promise.all([
        t.app.inject({ method: 'GET', url: '/me', headers: bearer(me) }),
        t.app.inject({ method: 'GET', url: '/reference/ranks' }),
        t.app.inject({ method: 'GET', url: '/users', headers: bearer(me) }),
      ]);
      for (const res of busy) {
        // A cached answer may come back 200; what must never happen is a 500.
        expect(res.statusCode, res.body).not.toBe(500);
        if (res.statusCode === 200) continue;
        expect(res.statusCode).toBe(503);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json<{ code: string }>().code).toBe('server.busy');
        expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
      }
      expect(busy[0].statusCode).toBe(503);

      const live = await t.app.inject({ method: 'GET', url: '/health/live' });
      expect(live.statusCode).toBe(200);

      await holder.query('rollback');
      released = true;
      const settled = await Promise.all(logouts);
      for (const res of settled) expect([204, 503]).toContain(res.statusCode);
      // Those that held a connection finished their change once the head was free.
      expect(settled.filter((res) => res.statusCode === 204).length).toBeGreaterThanOrEqual(POOL);
    } finally {
      if (!released) await holder.query('rollback').catch(() => undefined);
      await holder.end();
    }

    expect((await t.app.inject({ method: 'GET', url: '/me', headers: bearer(me) })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/reference/ranks' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
  });
});
