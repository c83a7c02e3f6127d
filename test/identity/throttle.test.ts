import { encryptSecret, newTotpSecret } from '../../src/modules/auth/mfa.js';
import pg from 'pg';
import { personalDigest } from '../../src/modules/audit/audit.chain.js';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
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

describe('per account and address', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await createUser(t, { role: 'ministry_staff' });
  });

  it('locks the pair after LOGIN_MAX_FAILURES failures: 429 with Retry-After, even with the right password — but not for the owner elsewhere', async () => {
    const address = freshAddress();
    await failTimes(user.email, 3, address);
    const res = await login(user.email, user.password, address);
    expect(res.statusCode).toBe(429);
    expect(res.json<{ code: string }>().code).toBe('auth.locked');
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(100);
    expect(retryAfter).toBeLessThanOrEqual(120);
    const lockouts = await auditEntries(t, 'auth.lockout');
    expect(lockouts.some((e) => e.entityId === user.id && e.details.scope === 'pair')).toBe(true);
    const refused = (await auditEntries(t, 'auth.login')).filter((e) => e.details.reason === 'locked');
    expect(refused.at(-1)).toMatchObject({ entityId: user.id, outcome: 'denied' });
    // Anonymous guesses from one address cannot lock the owner out from another.
    expect((await login(user.email, user.password, freshAddress())).statusCode).toBe(200);
  });

  it('lets the pair in again once the lock has expired, with a fresh count', async () => {
    const address = freshAddress();
    await failTimes(user.email, 3, address);
    const pairKey = `pair:${user.email}|${address}`;
    await t.database.db.update(loginThrottle).set({ lockedUntil: sql`now() - interval '1 second'` }).where(eq(loginThrottle.key, pairKey));
    expect((await login(user.email, user.password, address)).statusCode).toBe(200);
    const [row] = await t.database.db.select().from(loginThrottle).where(eq(loginThrottle.key, pairKey));
    expect(row).toMatchObject({ failures: 0, lockedUntil: null });
  });

  it('answers an unknown email exactly like a known one: same lock, same status, code and Retry-After', async () => {
    const ghost = 'ghost.officer@example.test';
    const here = freshAddress();
    const there = freshAddress();
    await failTimes(ghost, 3, here);
    const other = await createUser(t, { role: 'ministry_staff' });
    await failTimes(other.email, 3, there);
    const a = await login(ghost, 'anything at all here', here);
    const b = await login(other.email, other.password, there);
    for (const res of [a, b]) {
      expect(res.statusCode).toBe(429);
      expect(res.json<{ code: string }>().code).toBe('auth.locked');
    }
    expect(Math.abs(Number(a.headers['retry-after']) - Number(b.headers['retry-after']))).toBeLessThanOrEqual(2);
    expect(Object.keys(a.json()).sort()).toEqual(Object.keys(b.json()).sort());
  });

  it('resets the pair count after a successful sign-in, so successes never lock anyone out', async () => {
    const steady = await createUser(t, { role: 'auditor' });
    const address = freshAddress();
    await failTimes(steady.email, 2, address);
    expect((await login(steady.email, steady.password, address)).statusCode).toBe(200);
    await failTimes(steady.email, 2, address);
    for (let i = 0; i < 5; i += 1) expect((await login(steady.email, steady.password, address)).statusCode).toBe(200);
  });

  it('counts the email case-insensitively', async () => {
    const cased = await createUser(t, { role: 'auditor' });
    const address = freshAddress();
    await failTimes(cased.email.toUpperCase(), 2, address);
    await failTimes(cased.email, 1, address);
    expect((await login(cased.email, cased.password, address)).statusCode).toBe(429);
  });

  it('many right passwords at once from one address all sign in (a success never takes a row from under a concurrent attempt)', async () => {
    const busy = await createUser(t, { role: 'auditor' });
    const address = freshAddress();
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(Array.from({ length: 3 }, () => login(busy.email, busy.password, address)));
      expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
    }
  });

  it('50 guesses at once, the right password among them: no more than the limit are evaluated', async () => {
    const target = await createUser(t, { role: 'ministry_staff' });
    const address = freshAddress();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => login(target.email, i === 25 ? target.password : `wrong guess ${i}`, address)),
    );
    const evaluated = answers.filter((a) => a.statusCode === 401 || a.statusCode === 200);
    expect(evaluated.length).toBeLessThanOrEqual(3);
    expect(answers.filter((a) => a.statusCode === 429).length).toBe(50 - evaluated.length);
    const failed = (await auditEntries(t, 'auth.login')).filter((e) => e.entityId === target.id && e.outcome === 'failure');
    expect(failed.length).toBeLessThanOrEqual(3);
  });

  it('concurrent second-factor guesses are claimed like passwords: no more than the limit are evaluated', async () => {
    const target = await createUser(t, { role: 'ministry_staff' });
    await t.database.db.execute(sql`update users set mfa_enabled = true, mfa_secret = ${encryptSecret(t.secrets.mfaKey, target.id, newTotpSecret())} where id = ${target.id}`);
    const address = freshAddress();
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        t.app.inject({ method: 'POST', url: '/auth/login', remoteAddress: address, payload: { email: target.email, password: target.password, totp: String(100000 + i) } }),
      ),
    );
    const evaluated = answers.filter((a) => a.statusCode === 401);
    expect(evaluated.length).toBeLessThanOrEqual(3);
    expect(answers.filter((a) => a.statusCode === 429).length).toBe(40 - evaluated.length);
  });

  it('a failure is counted even while the audit log is stuck: the counter does not wait for its entry', async () => {
    if (!t.url) return expect(t.url).toBeUndefined(); // one connection on the embedded database: nothing to hold apart
    const holder = new pg.Client({ connectionString: t.url });
    await holder.connect();
    const target = await createUser(t, { role: 'ministry_staff' });
    const address = freshAddress();
    try {
      await holder.query('begin');
      await holder.query('select seq from audit_head where id = 1 for update');
      const pending = Promise.all([1, 2].map((i) => login(target.email, `wrong while stuck ${i}`, address)));
      await new Promise((resolve) => setTimeout(resolve, 600));
      const { rows } = await holder.query<{ failures: number }>('select failures from login_throttle where key = $1', [`pair:${target.email}|${address}`]);
      expect(rows[0]?.failures).toBe(2);
      await holder.query('commit');
      expect((await pending).map((a) => a.statusCode)).toEqual([401, 401]);
    } finally {
      await holder.end();
    }
  });
});

describe('per account across addresses', () => {
  let spread: TestApp;
  beforeAll(async () => {
    spread = await createTestApp({ LOGIN_MAX_FAILURES: '3', LOGIN_ADDRESS_MAX_FAILURES: '50', LOGIN_ACCOUNT_MAX_FAILURES: '4', LOGIN_BACKOFF_MAX_SECONDS: '8' });
  });
  afterAll(() => spread.close());
  const attempt = (email: string, password: string, extra: Record<string, string> = {}) =>
    spread.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password, ...extra }, remoteAddress: freshAddress() });

  it('past the limit, an account without a second factor answers at once with a back-off that doubles per failure', async () => {
    const target = await createUser(spread, { role: 'auditor' });
    for (let i = 0; i < 4; i++) expect((await attempt(target.email, `spray ${i}`)).statusCode).toBe(401);
    // The first attempt past the limit is evaluated (and starts a 1 s back-off)…
    expect((await attempt(target.email, 'spray 4')).statusCode).toBe(401);
    // …the next, even with the right password, waits it out.
    const waiting = await attempt(target.email, target.password);
    expect(waiting.statusCode).toBe(429);
    expect(Number(waiting.headers['retry-after'])).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await attempt(target.email, 'spray 5')).statusCode).toBe(401);
    const doubled = await attempt(target.email, 'spray 6');
    expect(doubled.statusCode).toBe(429);
    expect(Number(doubled.headers['retry-after'])).toBe(2);
  });

  it('past the limit, an account with a second factor is evaluated only when a code comes with the password', async () => {
    const target = await createUser(spread, { role: 'ministry_staff' });
    await spread.database.db.execute(sql`update users set mfa_enabled = true, mfa_secret = ${encryptSecret(spread.secrets.mfaKey, target.id, newTotpSecret())} where id = ${target.id}`);
    for (let i = 0; i < 5; i++) await attempt(target.email, `spray ${i}`);
    expect((await attempt(target.email, target.password)).statusCode).toBe(429);
    // With a code it is evaluated (here the code is wrong: 401, not 429).
    expect((await attempt(target.email, target.password, { totp: '123456' })).statusCode).toBe(401);
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
    expect((await auditEntries(t, 'auth.lockout')).some((e) => e.details.scope === 'address' && e.clientAddress === personalDigest(t.secrets.auditHmacKey, address))).toBe(true);
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
      expect(keys).toEqual([
        'account:proxied@example.test',
        'address:198.51.100.200',
        'address:203.0.113.50',
        'pair:proxied@example.test|198.51.100.200',
        'pair:proxied@example.test|203.0.113.50',
      ]);
    } finally {
      await proxied.close();
    }
  });
});

describe('pruning login_throttle', () => {
  it('removes rows that no longer count and keeps live counts and locks in force', async () => {
    const tag = `prune-${Date.now()}`;
    const lockedAddress = freshAddress();
    const key = (name: string) => `pair:${tag}-${name}@example.test|${lockedAddress}`;
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
      .where(sql`${loginThrottle.key} like ${`pair:${tag}-%`}`);
    expect(left.map((r) => r.key).sort()).toEqual([key('live-count'), key('locked')].sort());
    // The lock still in force still answers 429.
    const res = await login(`${tag}-locked@example.test`, 'any password at all', lockedAddress);
    expect(res.statusCode).toBe(429);
  });
});

describe('where the counts are kept', () => {
  it('in an unlogged table: a claim commits without waiting for the disk, and only the counts are lost to a crash', async () => {
    const rows = await queryRows<{ relname: string; relpersistence: string }>(
      t.database.db,
      sql`select c.relname, c.relpersistence from pg_class c
          where c.oid = 'login_throttle'::regclass or c.oid in (select indexrelid from pg_index where indrelid = 'login_throttle'::regclass)
          order by c.relname`,
    );
    expect(rows.map((r) => [r.relname, r.relpersistence])).toEqual([
      ['login_throttle', 'u'],
      ['login_throttle_pkey', 'u'],
    ]);
    // The lockout records themselves stay in the logged audit trail.
    const audit = await queryRows<{ relpersistence: string }>(t.database.db, sql`select relpersistence from pg_class where oid = 'audit_log'::regclass`);
    expect(audit[0]!.relpersistence).toBe('p');
  });
});
