import { eq } from 'drizzle-orm';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mfaRecoveryCodes } from '../../src/modules/auth/auth.table.js';
import { users } from '../../src/modules/users/users.table.js';
import { bearer, createUser, signIn, type TestUser } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { allAuditText, auditEntries } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ STAFF_MFA: 'required', LOGIN_ADDRESS_MAX_FAILURES: '1000' });
});
afterAll(() => t.close());

const codeAt = (secret: string, offsetSteps = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });
const login = (user: TestUser, extra: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: user.email, password: user.password, ...extra } });

async function enrol(user: TestUser): Promise<{ secret: string; recoveryCodes: string[]; confirmedCode: string }> {
  const session = await signIn(t, user);
  const enrolled = await t.app.inject({ method: 'POST', url: '/auth/mfa/enroll', headers: bearer(session.accessToken) });
  expect(enrolled.statusCode).toBe(200);
  const { secret, otpauthUri } = enrolled.json<{ secret: string; otpauthUri: string }>();
  expect(otpauthUri).toMatch(/^otpauth:\/\/totp\//);
  expect(otpauthUri).toContain(`secret=${secret}`);
  const confirmedCode = await codeAt(secret);
  const confirmed = await t.app.inject({ method: 'POST', url: '/auth/mfa/confirm', headers: bearer(session.accessToken), payload: { code: confirmedCode } });
  expect(confirmed.statusCode).toBe(200);
  return { secret, recoveryCodes: confirmed.json<{ recoveryCodes: string[] }>().recoveryCodes, confirmedCode };
}

describe('STAFF_MFA=required', () => {
  it('gives staff without a second factor a token that reaches only their own session and enrolment', async () => {
    const admin = await createUser(t, { role: 'admin' });
    const session = await signIn(t, admin);
    expect((await t.app.inject({ method: 'GET', url: '/me', headers: bearer(session.accessToken) })).statusCode).toBe(200);
    const users = await t.app.inject({ method: 'GET', url: '/users', headers: bearer(session.accessToken) });
    expect(users.statusCode).toBe(403);
    expect(users.json<{ code: string }>().code).toBe('auth.mfa_required');
  });

  it('does not require a second factor from applicants', async () => {
    const applicant = await createUser(t, { role: 'applicant', ministry: 'interior' });
    const session = await signIn(t, applicant);
    const claims = t.app.jwt.decode<{ mfa: boolean }>(session.accessToken);
    expect(claims?.mfa).toBe(true);
  });
});

describe('TOTP enrolment and sign-in', () => {
  it('enrols, stores the secret encrypted, and then requires a code at sign-in', async () => {
    const admin = await createUser(t, { role: 'admin' });
    const { secret, recoveryCodes } = await enrol(admin);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);

    const [row] = await t.database.db.select().from(users).where(eq(users.id, admin.id));
    expect(row?.mfaEnabled).toBe(true);
    expect(row?.mfaSecret).not.toContain(secret);
    const stored = await t.database.db.select().from(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, admin.id));
    expect(stored).toHaveLength(10);
    expect(stored.map((s) => s.codeHash)).not.toContain(recoveryCodes[0]);
    expect((await auditEntries(t, 'mfa.enrolled')).at(-1)?.entityId).toBe(admin.id);
    expect(await allAuditText(t)).not.toContain(secret);

    const without = await login(admin);
    expect(without.statusCode).toBe(401);
    expect(without.json()).toMatchObject({ code: 'auth.mfa_code_required', mfaRequired: true });

    // The next step's code (within the ±1 step window) signs in with a full session.
    const ok = await login(admin, { totp: await codeAt(secret, 1) });
    expect(ok.statusCode).toBe(200);
    const token = ok.json<{ accessToken: string }>().accessToken;
    expect((await t.app.inject({ method: 'GET', url: '/users', headers: bearer(token) })).statusCode).toBe(200);
  });

  it('accepts each code once: the confirmation code and a used sign-in code are refused', async () => {
    const staff = await createUser(t, { role: 'ministry_staff' });
    const { secret, confirmedCode } = await enrol(staff);
    const replayConfirm = await login(staff, { totp: confirmedCode });
    expect(replayConfirm.statusCode).toBe(401);
    expect(replayConfirm.json<{ code: string }>().code).toBe('auth.invalid_mfa_code');
    const next = await codeAt(secret, 1);
    expect((await login(staff, { totp: next })).statusCode).toBe(200);
    expect((await login(staff, { totp: next })).statusCode).toBe(401);
  });

  it('refuses codes outside the skew window and wrong codes, counting them as failures', async () => {
    const staff = await createUser(t, { role: 'auditor' });
    const { secret } = await enrol(staff);
    expect((await login(staff, { totp: await codeAt(secret, 3) })).statusCode).toBe(401);
    expect((await login(staff, { totp: await codeAt(secret, -3) })).statusCode).toBe(401);
    const failures = (await auditEntries(t, 'auth.login')).filter((e) => e.entityId === staff.id && e.outcome === 'failure');
    expect(failures.map((e) => e.details.reason)).toEqual(['bad_mfa_code', 'bad_mfa_code']);
  });

  it('accepts a recovery code once', async () => {
    const staff = await createUser(t, { role: 'committee_member' });
    const { recoveryCodes } = await enrol(staff);
    const code = recoveryCodes[3]!;
    const first = await login(staff, { recoveryCode: code.toUpperCase() });
    expect(first.statusCode).toBe(200);
    expect(t.app.jwt.decode<{ mfa: boolean }>(first.json<{ accessToken: string }>().accessToken)?.mfa).toBe(true);
    expect((await login(staff, { recoveryCode: code })).statusCode).toBe(401);
    expect((await login(staff, { recoveryCode: recoveryCodes[4]! })).statusCode).toBe(200);
  });

  it('refuses a wrong confirmation code, confirmation before enrolment, and a second enrolment', async () => {
    const staff = await createUser(t, { role: 'ministry_staff' });
    const session = await signIn(t, staff);
    const early = await t.app.inject({ method: 'POST', url: '/auth/mfa/confirm', headers: bearer(session.accessToken), payload: { code: '123456' } });
    expect(early.statusCode).toBe(409);
    expect(early.json<{ code: string }>().code).toBe('mfa.not_started');
    const enrolled = await t.app.inject({ method: 'POST', url: '/auth/mfa/enroll', headers: bearer(session.accessToken) });
    const { secret } = enrolled.json<{ secret: string }>();
    const wrongCode = String((Number(await codeAt(secret)) + 1) % 1_000_000).padStart(6, '0');
    const wrong = await t.app.inject({ method: 'POST', url: '/auth/mfa/confirm', headers: bearer(session.accessToken), payload: { code: wrongCode } });
    expect(wrong.statusCode).toBe(400);
    const [row] = await t.database.db.select({ mfaEnabled: users.mfaEnabled }).from(users).where(eq(users.id, staff.id));
    expect(row?.mfaEnabled).toBe(false);
    const good = await t.app.inject({ method: 'POST', url: '/auth/mfa/confirm', headers: bearer(session.accessToken), payload: { code: await codeAt(secret) } });
    expect(good.statusCode).toBe(200);
    const again = await t.app.inject({ method: 'POST', url: '/auth/mfa/enroll', headers: bearer(session.accessToken) });
    expect(again.statusCode).toBe(409);
  });

  it('throttles enrolment codes like any code: 30 guesses at once, no more than the limit evaluated', async () => {
    const staff = await createUser(t, { role: 'ministry_staff' });
    const session = await signIn(t, staff);
    const { secret } = (await t.app.inject({ method: 'POST', url: '/auth/mfa/enroll', headers: bearer(session.accessToken) })).json<{ secret: string }>();
    const right = await codeAt(secret);
    const guesses = Array.from({ length: 30 }, (_, i) => String((Number(right) + 1 + i) % 1_000_000).padStart(6, '0'));
    const answers = await Promise.all(guesses.map((code) => t.app.inject({ method: 'POST', url: '/auth/mfa/confirm', headers: bearer(session.accessToken), payload: { code } })));
    const evaluated = answers.filter((a) => a.statusCode === 400).length;
    expect(evaluated).toBeLessThanOrEqual(5);
    expect(answers.filter((a) => a.statusCode === 429).length).toBe(30 - evaluated);
    // Locked now: even the right code waits.
    expect((await t.app.inject({ method: 'POST', url: '/auth/mfa/confirm', headers: bearer(session.accessToken), payload: { code: right } })).statusCode).toBe(429);
  });

  it('keeps the verified second factor across refreshes, and an unverified session stays limited after refresh', async () => {
    const staff = await createUser(t, { role: 'admin' });
    const limited = await signIn(t, staff);
    const refreshedLimited = await t.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: limited.refreshToken } });
    const limitedToken = refreshedLimited.json<{ accessToken: string }>().accessToken;
    expect((await t.app.inject({ method: 'GET', url: '/users', headers: bearer(limitedToken) })).statusCode).toBe(403);

    const { secret } = await enrol(staff);
    const full = await signIn(t, staff, { totp: await codeAt(secret, 1) });
    const refreshed = await t.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: full.refreshToken } });
    const fullToken = refreshed.json<{ accessToken: string }>().accessToken;
    expect((await t.app.inject({ method: 'GET', url: '/users', headers: bearer(fullToken) })).statusCode).toBe(200);
  });
});
