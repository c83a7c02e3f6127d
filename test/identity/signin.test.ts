import { and, eq, isNull } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshTokens } from '../../src/modules/auth/auth.table.js';
import { bearer, createCommittee, createUser, signIn, type TestUser } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { allAuditText, auditEntries } from './helpers.js';

let t: TestApp;
let member: TestUser;
beforeAll(async () => {
  t = await createTestApp({ LOGIN_ADDRESS_MAX_FAILURES: '1000' });
  member = await createUser(t, { role: 'committee_member', ministry: 'defense', name: 'Layla Haddad' });
});
afterAll(() => t.close());

const login = (payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: '/auth/login', payload, headers });

describe('POST /auth/login', () => {
  it('returns an access token, an opaque refresh token and the user; the access token reaches /me', async () => {
    const res = await login({ email: member.email, password: member.password });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ accessToken: string; refreshToken: string; expiresIn: number; user: Record<string, unknown> }>();
    expect(body.expiresIn).toBe(900);
    expect(body.user).toMatchObject({ id: member.id, email: member.email, role: 'committee_member', ministry: 'defense', mfaEnabled: false });
    expect(body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const header = JSON.parse(Buffer.from(body.accessToken.split('.')[0]!, 'base64url').toString()) as { alg: string };
    expect(header.alg).toBe('HS256');

    const committee = await createCommittee(t, { ministry: 'defense', members: [{ userId: member.id, chair: true }] });
    const me = await t.app.inject({ method: 'GET', url: '/me', headers: bearer(body.accessToken) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({
      id: member.id,
      email: member.email,
      name: 'Layla Haddad',
      roles: ['committee_member'],
      ministry: 'defense',
      mfaEnabled: false,
      committees: [{ id: committee.id, name: committee.name, ministry: 'defense', chair: true }],
    });
  });

  it('stores the refresh token only as its SHA-256', async () => {
    const session = await signIn(t, member);
    const hash = createHash('sha256').update(session.refreshToken).digest('hex');
    const [row] = await t.database.db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, hash));
    expect(row?.userId).toBe(member.id);
    const all = await t.database.db.select({ tokenHash: refreshTokens.tokenHash }).from(refreshTokens);
    expect(all.some((r) => r.tokenHash === session.refreshToken)).toBe(false);
  });

  it('records a successful sign-in with the user as its actor', async () => {
    const session = await signIn(t, member);
    const entry = (await auditEntries(t, 'auth.login')).filter((e) => e.outcome === 'success').at(-1);
    expect(entry).toMatchObject({ actor: { id: member.id, role: 'committee_member' }, entityId: member.id });
    expect(entry?.raw).not.toContain(session.refreshToken);
  });

  it('matches the email case-insensitively', async () => {
    const res = await login({ email: `  ${member.email.toUpperCase()}`, password: member.password });
    expect(res.statusCode).toBe(200);
  });

  it('answers a wrong password and an unknown email identically, and audits both without the password or the email in clear', async () => {
    const wrong = await login({ email: member.email, password: 'not the right password' });
    const unknown = await login({ email: 'nobody.here@example.test', password: 'not the right password' });
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    const strip = (b: Record<string, unknown>) => ({ ...b, requestId: undefined });
    expect(strip(wrong.json())).toEqual(strip(unknown.json()));
    expect(wrong.json<{ code: string }>().code).toBe('auth.invalid_credentials');

    const failures = (await auditEntries(t, 'auth.login')).filter((e) => e.outcome === 'failure');
    expect(failures.map((e) => e.details.reason)).toEqual(expect.arrayContaining(['bad_password', 'unknown_account']));
    const text = await allAuditText(t);
    expect(text).not.toContain('not the right password');
    expect(text).not.toContain('nobody.here@example.test');
    expect(text).not.toContain(member.email);
  });

  it('takes about as long for an unknown email as for a wrong password (both verify an argon2id hash)', async () => {
    const time = async (email: string) => {
      const started = process.hrtime.bigint();
      const res = await login({ email, password: 'wrong password, timing' });
      expect(res.statusCode).toBe(401);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    await time('warm.up@example.test');
    const other = await createUser(t, { role: 'ministry_staff' });
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      known.push(await time(other.email));
      unknown.push(await time(`ghost${i}@example.test`));
    }
    // The fastest of several runs is what load on a shared machine disturbs least. argon2id (~20 ms and
    // more) dominates both paths; a skipped hash would leave the unknown path a few ms of queries.
    expect(Math.min(...unknown)).toBeGreaterThan(Math.min(...known) * 0.3);
  });

  it('refuses a disabled account with the same answer as a wrong password', async () => {
    const disabled = await createUser(t, { role: 'ministry_staff', active: false });
    const res = await login({ email: disabled.email, password: disabled.password });
    expect(res.statusCode).toBe(401);
    expect(res.json<{ code: string }>().code).toBe('auth.invalid_credentials');
  });

  it('refuses unknown fields and malformed bodies with 400', async () => {
    const extra = await login({ email: member.email, password: member.password, role: 'admin' });
    expect(extra.statusCode).toBe(400);
    expect(extra.json<{ errors: { path: string }[] }>().errors.map((e) => e.path)).toContain('/body/role');
    expect((await login({ email: member.email })).statusCode).toBe(400);
    expect((await login({ email: member.email, password: member.password, totp: 'abc' })).statusCode).toBe(400);
    const notJson = await t.app.inject({ method: 'POST', url: '/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"email":' });
    expect(notJson.statusCode).toBe(400);
  });

  it('audits a successful sign-in with the session id', async () => {
    const session = await signIn(t, member);
    const entries = (await auditEntries(t, 'auth.login')).filter((e) => e.outcome === 'success' && e.entityId === member.id);
    expect(entries.length).toBeGreaterThan(0);
    const [row] = await t.database.db
      .select({ familyId: refreshTokens.familyId })
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, createHash('sha256').update(session.refreshToken).digest('hex')));
    expect(entries.map((e) => e.details.sessionId)).toContain(row!.familyId);
  });

  it('concurrent sign-ins on every path each get their own session, and none leaves the group commit waiting for it', async () => {
    const disabled = await createUser(t, { role: 'ministry_staff', active: false });
    const others = await Promise.all([1, 2, 3].map(() => createUser(t, { role: 'ministry_staff' })));
    const attempts = [
      ...others.map((u) => login({ email: u.email, password: u.password })),
      login({ email: member.email, password: 'wrong password, long enough' }),
      login({ email: 'nobody@example.test', password: 'whatever it is, long' }),
      login({ email: disabled.email, password: disabled.password }),
    ];
    const answers = await Promise.all(attempts);
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 401, 401, 401]);
    const sessions = answers.slice(0, 3).map((r) => r.json<{ refreshToken: string }>().refreshToken);
    expect(new Set(sessions).size).toBe(3);
    // Each session was committed with its entry: it can be refreshed straight away.
    for (const refreshToken of sessions) {
      expect((await t.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken } })).statusCode).toBe(200);
    }
  });
});

describe('POST /auth/refresh', () => {
  const refresh = (refreshToken: string) => t.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken } });

  it('rotates: a new pair, the old refresh token spent; reusing it revokes the whole family and its access tokens', async () => {
    const first = await signIn(t, member);
    const second = await refresh(first.refreshToken);
    expect(second.statusCode).toBe(200);
    const pair = second.json<{ accessToken: string; refreshToken: string }>();
    expect(pair.refreshToken).not.toBe(first.refreshToken);
    expect((await t.app.inject({ method: 'GET', url: '/me', headers: bearer(pair.accessToken) })).statusCode).toBe(200);

    const reuse = await refresh(first.refreshToken);
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json<{ code: string }>().code).toBe('auth.invalid_refresh_token');
    // The family is gone: the legitimately rotated token and the session's access tokens too.
    expect((await refresh(pair.refreshToken)).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/me', headers: bearer(pair.accessToken) })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/me', headers: bearer(first.accessToken) })).statusCode).toBe(401);

    const reuses = await auditEntries(t, 'auth.refresh_reuse');
    expect(reuses.at(-1)).toMatchObject({ entityId: member.id, outcome: 'denied' });
    expect(reuses.at(-1)!.raw).not.toContain(first.refreshToken);
  });

  it('a stolen token rotated in a loop while the victim presents the spent one: no live token is left, in 20 of 20 trials', async () => {
    for (let trial = 0; trial < 20; trial++) {
      const stolen = await signIn(t, member);
      const first = await refresh(stolen.refreshToken);
      expect(first.statusCode).toBe(200);
      let latest = first.json<{ accessToken: string; refreshToken: string }>();
      let stop = false;
      const attacker = (async () => {
        for (let i = 0; i < 30 && !stop; i++) {
          const next = await refresh(latest.refreshToken);
          if (next.statusCode !== 200) return;
          latest = next.json<{ accessToken: string; refreshToken: string }>();
        }
      })();
      // The victim presents the spent token while the attacker is rotating.
      await new Promise((resolve) => setTimeout(resolve, trial % 5));
      const victim = await refresh(stolen.refreshToken);
      expect(victim.statusCode).toBe(401);
      stop = true;
      await attacker;
      expect((await refresh(latest.refreshToken)).statusCode).toBe(401);
      expect((await t.app.inject({ method: 'GET', url: '/me', headers: bearer(latest.accessToken) })).statusCode).toBe(401);
      const familyId = (await t.database.db.select({ familyId: refreshTokens.familyId }).from(refreshTokens).where(eq(refreshTokens.tokenHash, createHash('sha256').update(stolen.refreshToken).digest('hex'))))[0]!.familyId;
      const live = await t.database.db.select({ id: refreshTokens.id }).from(refreshTokens).where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
      expect(live).toEqual([]);
    }
  });

  it('leaves other sessions of the same user alone when one family is revoked', async () => {
    const a = await signIn(t, member);
    const b = await signIn(t, member);
    const rotated = await refresh(a.refreshToken);
    expect(rotated.statusCode).toBe(200);
    expect((await refresh(a.refreshToken)).statusCode).toBe(401);
    expect((await refresh(b.refreshToken)).statusCode).toBe(200);
  });

  it('refuses unknown, empty and access tokens as refresh tokens', async () => {
    const session = await signIn(t, member);
    expect((await refresh('x'.repeat(43))).statusCode).toBe(401);
    expect([400, 401]).toContain((await refresh(session.accessToken)).statusCode);
    expect((await refresh('')).statusCode).toBe(400);
    const extra = await t.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: session.refreshToken, userId: member.id } });
    expect(extra.statusCode).toBe(400);
  });

  it('refuses an expired refresh token', async () => {
    const session = await signIn(t, member);
    const hash = createHash('sha256').update(session.refreshToken).digest('hex');
    await t.database.db.update(refreshTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(refreshTokens.tokenHash, hash));
    expect((await refresh(session.refreshToken)).statusCode).toBe(401);
  });
});

describe('POST /auth/logout', () => {
  it('revokes the family: the refresh token fails and the access token stops working at once', async () => {
    const session = await signIn(t, member);
    const res = await t.app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(session.accessToken) });
    expect(res.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: session.refreshToken } })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/me', headers: bearer(session.accessToken) })).statusCode).toBe(401);
    expect((await auditEntries(t, 'auth.logout')).at(-1)).toMatchObject({ entityId: member.id, actor: { id: member.id } });
  });

  it('needs a signed-in caller', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/auth/logout' })).statusCode).toBe(401);
  });

  it("cannot revoke another user's session through the body", async () => {
    const victim = await createUser(t, { role: 'ministry_staff' });
    const victimSession = await signIn(t, victim);
    const attacker = await signIn(t, member);
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: bearer(attacker.accessToken),
      payload: { refreshToken: victimSession.refreshToken },
    });
    expect(res.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/me', headers: bearer(victimSession.accessToken) })).statusCode).toBe(200);
  });
});
