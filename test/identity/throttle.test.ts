import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneThrottle } from '../../src/modules/auth/throttle.js';
import { loginThrottle } from '../../src/modules/auth/auth.table.js';
import { createUser, type TestUser } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { auditEntries } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ LOGIN_MAX_FAILURES: '3', LOGIN_WINDOW_SECONDS: '600', LOGIN_LOCKOUT_SECONDS: '120', LOGIN_ADDRESS_MAX_FAILURES: '6' });
});
afterAll(() => t.close());

let addressCounter = 0;
/** Each test signs in from its own client address unless it shares one on purpose. */
const freshAddress = () => `198.51.100.${(addressCounter += 1)}`;

const login = (email: string, password: string, remoteAddress: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password }, remoteAddress, headers });

async function failTimes(email: string, times: number, address: string) {
  for (let i = 0; i < times; i += 1) {
    const res = await login(email, `wrong password number ${i}`, address);
    expect(res.statusCode).toBe(401);
  }
}

describe('account lockout', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await createUser(t, { role: 'ministry_staff' });
  });

  it('locks the account after LOGIN_MAX_FAILURES failures: 429 with Retry-After, even with the right password', async () => {
    await failTimes(user.email, 3, freshAddress());
    const res = await login(user.email, user.password, freshAddress());
    expect(res.statusCode).toBe(429);
    expect(res.json<{ code: string }>().code).toBe('auth.locked');
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(100);
    expect(retryAfter).toBeLessThanOrEqual(120);
    const lockouts = await auditEntries(t, 'auth.lockout');
    expect(lockouts.some((e) => e.entityId === user.id && e.details.scope === 'account')).toBe(true);
    const refused = (await auditEntries(t, 'auth.login')).filter((e) => e.details.reason === 'locked');
    expect(refused.at(-1)).toMatchObject({ entityId: user.id, outcome: 'denied' });
    // Neither the failures nor the refusal left an announced entry behind in the group commit.
    expect(t.app.auditReads.expecting()).toBe(0);
  });

  it('lets the account in again once the lock has expired, with a fresh count', async () => {
    await t.database.db
      .update(loginThrottle)
      .set({ lockedUntil: sql`now() - interval '1 second'` })
      .where(eq(loginThrottle.key, `account:${user.email}`));
    expect((await login(user.email, user.password, freshAddress())).statusCode).toBe(200);
    const [row] = await t.database.db.select().from(loginThrottle).where(eq(loginThrottle.key, `account:${user.email}`));
    expect(row).toBeUndefined();
  });

  it('answers an unknown email exactly like a known one: same lock, same status, code and Retry-After', async () => {
    const ghost = 'ghost.officer@example.test';
    await failTimes(ghost, 3, freshAddress());
    const other = await createUser(t, { role: 'ministry_staff' });
    await failTimes(other.email, 3, freshAddress());
    const a = await login(ghost, 'anything at all here', freshAddress());
    const b = await login(other.email, other.password, freshAddress());
    for (const res of [a, b]) {
      expect(res.statusCode).toBe(429);
      expect(res.json<{ code: string }>().code).toBe('auth.locked');
    }
    expect(Math.abs(Number(a.headers['retry-after']) - Number(b.headers['retry-after']))).toBeLessThanOrEqual(2);
    expect(Object.keys(a.json()).sort()).toEqual(Object.keys(b.json()).sort());
  });

  it('resets the account count after a successful sign-in, so successes never lock anyone out', async () => {
    const steady = await createUser(t, { role: 'auditor' });
    const address = freshAddress();
    await failTimes(steady.email, 2, address);
    expect((await login(steady.email, steady.password, address)).statusCode).toBe(200);
    await failTimes(steady.email, 2, address);
    for (let i = 0; i < 5; i += 1) expect((await login(steady.email, steady.password, address)).statusCode).toBe(200);
  });

  it('counts the email case-insensitively', async () => {
    const cased = await createUser(t, { role: 'auditor' });
    await failTimes(cased.email.toUpperCase(), 2, freshAddress());
    await failTimes(cased.email, 1, freshAddress());
    expect((await login(cased.email, cased.password, freshAddress())).statusCode).toBe(429);
  });
});

describe('per-address limit', () => {
  it('locks a client address that fails against many accounts', async () => {
    const address = freshAddress();
    for (let i = 0; i < 6; i += 1) {
      expect((await login(`spray${i}@example.test`, 'guessing passwords', address)).statusCode).toBe(401);
    }
    const victim = await createUser(t, { role: 'ministry_staff' });
    const res = await login(victim.email, victim.password, address);
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // The same account from another address is not affected (it never failed).
    expect((await login(victim.email, victim.password, freshAddress())).statusCode).toBe(200);
    expect((await auditEntries(t, 'auth.lockout')).some((e) => e.details.scope === 'address' && e.clientAddress === address)).toBe(true);
  });

  it('is not reset by a forged X-Forwarded-For (no proxy is trusted unless TRUST_PROXY says so)', async () => {
    const address = freshAddress();
    for (let i = 0; i < 6; i += 1) {
      const forged = { 'x-forwarded-for': `203.0.113.${i + 1}`, 'x-real-ip': `203.0.113.${i + 1}` };
      expect((await login(`forger${i}@example.test`, 'guessing passwords', address, forged)).statusCode).toBe(401);
    }
    const res = await login('forger-next@example.test', 'guessing passwords', address, { 'x-forwarded-for': '192.0.2.77' });
    expect(res.statusCode).toBe(429);
    const rows = await t.database.db.select({ key: loginThrottle.key }).from(loginThrottle).where(sql`${loginThrottle.key} like 'address:203.0.113.%'`);
    expect(rows).toEqual([]);
  });
});

describe('behind a configured proxy (TRUST_PROXY)', () => {
  it('counts the address the proxy reports', async () => {
    const proxied = await createTestApp({ TRUST_PROXY: '127.0.0.1' });
    try {
      const res = await proxied.app.inject({
        method: 'POST',
        url: '/auth/login',
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': '203.0.113.50' },
        payload: { email: 'proxied@example.test', password: 'guessing passwords' },
      });
      expect(res.statusCode).toBe(401);
      // From any other peer the header is not believed.
      await proxied.app.inject({
        method: 'POST',
        url: '/auth/login',
        remoteAddress: '198.51.100.200',
        headers: { 'x-forwarded-for': '203.0.113.51' },
        payload: { email: 'proxied@example.test', password: 'guessing passwords' },
      });
      const keys = (await proxied.database.db.select({ key: loginThrottle.key }).from(loginThrottle)).map((r) => r.key).sort();
      expect(keys).toEqual(['account:proxied@example.test', 'address:198.51.100.200', 'address:203.0.113.50']);
    } finally {
      await proxied.close();
    }
  });
});

describe('pruning login_throttle', () => {
  it('removes rows that no longer count and keeps live counts and locks in force', async () => {
    const tag = `prune-${Date.now()}`;
    const key = (name: string) => `account:${tag}-${name}@example.test`;
    await t.database.db.insert(loginThrottle).values([
      { key: key('old-window'), failures: 2, windowStartedAt: sql`now() - interval '1 day'` },
      { key: key('ended-lock'), failures: 3, windowStartedAt: sql`now() - interval '1 minute'`, lockedUntil: sql`now() - interval '1 second'` },
      { key: key('live-count'), failures: 2, windowStartedAt: sql`now() - interval '1 minute'` },
      { key: key('locked'), failures: 3, windowStartedAt: sql`now() - interval '1 day'`, lockedUntil: sql`now() + interval '5 minutes'` },
    ]);
    const removed = await pruneThrottle(t.database.db, { windowSeconds: 900 });
    expect(removed).toBeGreaterThanOrEqual(2);
    const left = await t.database.db
      .select({ key: loginThrottle.key })
      .from(loginThrottle)
      .where(sql`${loginThrottle.key} like ${`account:${tag}-%`}`);
    expect(left.map((r) => r.key).sort()).toEqual([key('live-count'), key('locked')].sort());
    // The lock still in force still answers 429.
    const res = await login(`${tag}-locked@example.test`, 'any password at all', freshAddress());
    expect(res.statusCode).toBe(429);
  });
});
