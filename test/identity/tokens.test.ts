import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshTokens } from '../../src/modules/auth/auth.table.js';
import { sql } from 'drizzle-orm';
import { isUniqueViolation } from '../../src/db/errors.js';
import { statement } from '../../src/db/statement.js';
import { ACCOUNT_WITH_TOKEN, newAccountWithToken } from '../../src/modules/auth/tokens.js';
import { users } from '../../src/modules/users/users.table.js';
import { bearer, createUser, signIn, tokenFor, type TestUser } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { AUD, ISS, auditEntries, craftJwt, now } from './helpers.js';

let t: TestApp;
let admin: TestUser;
/** A live session of the admin's, for crafted tokens. */
let adminSid: string;
beforeAll(async () => {
  t = await createTestApp();
  admin = await createUser(t, { role: 'admin' });
  const token = await tokenFor(t, admin);
  adminSid = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { sid: string }).sid;
});
afterAll(() => t.close());

const get = (url: string, authorization?: string) =>
  t.app.inject({ method: 'GET', url, headers: authorization === undefined ? {} : { authorization } });

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = { sub: admin.id, sid: adminSid, typ: 'access', mfa: true, iss: ISS, aud: AUD, iat: now(), exp: now() + 600 };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete base[key];
    else base[key] = value;
  }
  return base;
}

describe('access tokens', () => {
  it('accepts a well-formed token (the control case)', async () => {
    const token = craftJwt({ alg: 'HS256', typ: 'JWT' }, claims(), t.secrets.jwtSecret);
    expect((await get('/users', `Bearer ${token}`)).statusCode).toBe(200);
  });

  const bad: [string, () => string][] = [
    ['alg: none', () => `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`],
    ['alg: HS512 with the right key', () => {
      const token = craftJwt({ alg: 'HS512', typ: 'JWT' }, claims(), t.secrets.jwtSecret);
      return token;
    }],
    ['wrong signature', () => craftJwt({ alg: 'HS256', typ: 'JWT' }, claims(), 'another-secret-another-secret-another-secret')],
    ['expired', () => craftJwt({ alg: 'HS256' }, claims({ iat: now() - 3600, exp: now() - 1800 }), t.secrets.jwtSecret)],
    ['wrong audience', () => craftJwt({ alg: 'HS256' }, claims({ aud: 'someone-else' }), t.secrets.jwtSecret)],
    ['wrong issuer', () => craftJwt({ alg: 'HS256' }, claims({ iss: 'evil' }), t.secrets.jwtSecret)],
    ['missing exp', () => craftJwt({ alg: 'HS256' }, claims({ exp: undefined }), t.secrets.jwtSecret)],
    ['missing iat', () => craftJwt({ alg: 'HS256' }, claims({ iat: undefined }), t.secrets.jwtSecret)],
    ['missing sub', () => craftJwt({ alg: 'HS256' }, claims({ sub: undefined }), t.secrets.jwtSecret)],
    ['missing sid (no session)', () => craftJwt({ alg: 'HS256' }, claims({ sid: undefined }), t.secrets.jwtSecret)],
    ['missing typ', () => craftJwt({ alg: 'HS256' }, claims({ typ: undefined }), t.secrets.jwtSecret)],
    ['typ refresh', () => craftJwt({ alg: 'HS256' }, claims({ typ: 'refresh' }), t.secrets.jwtSecret)],
    ['sub not a uuid', () => craftJwt({ alg: 'HS256' }, claims({ sub: "1' or '1'='1" }), t.secrets.jwtSecret)],
    ['sub of no user', () => craftJwt({ alg: 'HS256' }, claims({ sub: '00000000-0000-4000-8000-000000000000' }), t.secrets.jwtSecret)],
    ['sid of no session', () => craftJwt({ alg: 'HS256' }, claims({ sid: '00000000-0000-4000-8000-000000000000' }), t.secrets.jwtSecret)],
    ['sid not a uuid', () => craftJwt({ alg: 'HS256' }, claims({ sid: 42 }), t.secrets.jwtSecret)],
    ['not yet valid', () => craftJwt({ alg: 'HS256' }, claims({ nbf: now() + 3600 }), t.secrets.jwtSecret)],
    // Issue 10 item 9: a token from the future, or living longer than this service issues them.
    ['issued in the future (beyond the clock skew)', () => craftJwt({ alg: 'HS256' }, claims({ iat: now() + 120, exp: now() + 600 }), t.secrets.jwtSecret)],
    ['a lifetime beyond the configured TTL', () => craftJwt({ alg: 'HS256' }, claims({ iat: now() - 10, exp: now() + 30 * 86_400 }), t.secrets.jwtSecret)],
    ['iat not a number', () => craftJwt({ alg: 'HS256' }, claims({ iat: 'yesterday' }), t.secrets.jwtSecret)],
  ];

  it('accepts an iat a few seconds ahead (clock skew) and a lifetime of exactly the TTL', async () => {
    const ttl = t.config.auth.accessTokenTtlSeconds;
    const skewed = craftJwt({ alg: 'HS256', typ: 'JWT' }, claims({ iat: now() + 10, exp: now() + 10 + ttl }), t.secrets.jwtSecret);
    expect((await get('/users', `Bearer ${skewed}`)).statusCode).toBe(200);
  });
  it.each(bad)('refuses %s with 401', async (_name, make) => {
    const res = await get('/users', `Bearer ${make()}`);
    expect(res.statusCode).toBe(401);
    expect(res.json<{ code: string }>().code).toBe('auth.invalid_token');
  });

  it('refuses a refresh token used as an access token', async () => {
    const session = await signIn(t, admin);
    expect((await get('/me', `Bearer ${session.refreshToken}`)).statusCode).toBe(401);
  });

  it('answers 401, never 5xx, to garbage and fuzzed Authorization headers', async () => {
    const valid = await tokenFor(t, admin);
    const [h, p, s] = valid.split('.') as [string, string, string];
    const headers = [
      '',
      'Bearer',
      'Bearer ',
      'bearer ' + valid,
      'Basic YWRtaW46YWRtaW4=',
      `Bearer ${valid} extra`,
      `Bearer ${h}.${p}`,
      `Bearer ${h}..${s}`,
      `Bearer ..`,
      `Bearer ${'a'.repeat(10_000)}`,
      `Bearer ${h}.${p}.${s}x`,
      `Bearer ${h}.${Buffer.from('{"sub":').toString('base64url')}.${s}`,
      `Bearer ${Buffer.from('not json').toString('base64url')}.${p}.${s}`,
      `Bearer ${Buffer.from('{"alg":"HS256","crit":["x"]}').toString('base64url')}.${p}.${s}`,
      `Bearer ${Buffer.from('[]').toString('base64url')}.${Buffer.from('[]').toString('base64url')}.${s}`,
      `Bearer ${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${p}.${s}`,
      `Bearer ${Buffer.from('{"alg":"HS256","jku":"http://evil"}').toString('base64url')}.${p}.${s}`,
      'Bearer ☃.☃.☃',
    ];
    // Random mutations of a valid token: flip characters, cut it, splice parts.
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const alphabet = 'ABCabc012-_.=+/ ';
    for (let i = 0; i < 60; i += 1) {
      const chars = [...valid];
      const at = Math.floor(random() * chars.length);
      chars[at] = alphabet[Math.floor(random() * alphabet.length)]!;
      headers.push(`Bearer ${chars.join('').slice(0, Math.floor(random() * chars.length) + 1)}`);
    }
    for (const authorization of headers) {
      let res;
      try {
        res = await get('/me', authorization);
      } catch {
        continue; // a header value inject itself refuses never reaches the server
      }
      expect(res.statusCode, authorization.slice(0, 80)).toBeLessThan(500);
      if (authorization.trim() !== `Bearer ${valid}`) expect(res.statusCode, authorization.slice(0, 80)).toBe(401);
    }
  });

  it("refuses a disabled user's token on the very next request", async () => {
    const staff = await createUser(t, { role: 'admin' });
    const token = await tokenFor(t, staff);
    expect((await get('/users', `Bearer ${token}`)).statusCode).toBe(200);
    await t.database.db.update(users).set({ active: false }).where(eq(users.id, staff.id));
    expect((await get('/users', `Bearer ${token}`)).statusCode).toBe(401);
    expect((await get('/me', `Bearer ${token}`)).statusCode).toBe(401);
  });

  it('applies a role change on the very next request', async () => {
    const other = await createUser(t, { role: 'admin' });
    const token = await tokenFor(t, other);
    expect((await get('/users', `Bearer ${token}`)).statusCode).toBe(200);
    await t.database.db.update(users).set({ role: 'auditor', ministry: null }).where(eq(users.id, other.id));
    const res = await get('/users', `Bearer ${token}`);
    expect(res.statusCode).toBe(403);
    expect((await get('/me', `Bearer ${token}`)).json<{ roles: string[] }>().roles).toEqual(['auditor']);
  });

  it('audits every 401 and 403 with route, method, status and reason, never the token', async () => {
    const token = craftJwt({ alg: 'HS256' }, claims({ aud: 'nope' }), t.secrets.jwtSecret);
    await t.app.audit.flush();
    const anonymousBefore = (await auditEntries(t, 'access.denied_anonymous')).length;
    await get('/users', `Bearer ${token}`);
    const auditor = await createUser(t, { role: 'auditor' });
    await get('/users', `Bearer ${await tokenFor(t, auditor)}`);
    await get('/users');
    // A signed-in caller's refusal: an entry of its own, naming the caller.
    const denied = await auditEntries(t, 'access.denied');
    expect(denied.map((e) => e.details)).toContainEqual({ route: '/users', method: 'GET', status: 403, reason: 'missing_permission:users:manage' });
    expect(denied.every((e) => e.outcome === 'denied')).toBe(true);
    expect(denied.filter((e) => e.details.status === 403).map((e) => e.actor)).toContainEqual({ id: auditor.id, role: 'auditor' });
    // Refusals without a valid identity: counted per address and minute, written when the minute is over (here: flushed).
    await t.app.audit.flush();
    const anonymous = (await auditEntries(t, 'access.denied_anonymous')).slice(anonymousBefore);
    const reasons: Record<string, number> = {};
    for (const entry of anonymous) {
      for (const [reason, n] of Object.entries(entry.details.reasons as Record<string, number>)) reasons[reason] = (reasons[reason] ?? 0) + n;
    }
    expect(reasons).toEqual({ invalid_token: 1, no_token: 1 });
    expect(anonymous.every((e) => e.outcome === 'denied' && e.actor === null && (e.details.routes as Record<string, number>)['/users']! >= 1)).toBe(true);
    expect([...denied, ...anonymous].map((e) => e.raw).join('\n')).not.toContain(token.split('.')[2]);
  });
});

describe('bearer helper', () => {
  it('builds the header the API expects', () => {
    expect(bearer('abc')).toEqual({ authorization: 'Bearer abc' });
  });
});

describe('an applicant account with its first session, in one statement', () => {
  // As a registration's statement writes them (with its case, in the same statement).
  const insertAccountWithToken = statement<{ id: string }>('test_account_with_token', sql`with ${ACCOUNT_WITH_TOKEN} select id from account`);
  const create = (account: Parameters<typeof newAccountWithToken>[0]) =>
    t.database.db.transaction(async (tx) => {
      const created = newAccountWithToken(account, { mfa: true, ttlSeconds: 60 });
      const [row] = await insertAccountWithToken.rows(tx, created.values);
      return { ...created, id: row!.id };
    });

  it('writes the account under the id chosen beforehand, with the token of its session', async () => {
    const account = { email: `Applicant.${Date.now()}@applicants.invalid`, name: 'Officer', ministry: 'interior', passwordHash: null };
    const first = await create(account);
    expect(first.id).toBe(first.userId);
    expect(first.account.email).toBe(account.email.toLowerCase());
    const tokens = await t.database.db.select({ userId: refreshTokens.userId, familyId: refreshTokens.familyId }).from(refreshTokens).where(eq(refreshTokens.userId, first.userId));
    expect(tokens).toEqual([{ userId: first.userId, familyId: first.familyId }]);
  });

  it('refuses a taken login and writes neither the account nor the session', async () => {
    const account = { email: `Applicant.${Date.now()}.b@applicants.invalid`, name: 'Officer', ministry: 'interior', passwordHash: null };
    await create(account);
    const tokensBefore = (await t.database.db.select({ id: refreshTokens.id }).from(refreshTokens)).length;
    // The same login in another case: the unique index on lower(email) refuses it.
    await expect(create({ ...account, email: account.email.toUpperCase() })).rejects.toSatisfy(isUniqueViolation);
    expect((await t.database.db.select({ id: refreshTokens.id }).from(refreshTokens)).length).toBe(tokensBefore);
    expect(await t.database.db.select({ id: users.id }).from(users).where(eq(users.email, account.email.toLowerCase()))).toHaveLength(1);
  });
});
