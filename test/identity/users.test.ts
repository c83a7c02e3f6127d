import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committeeMembers } from '../../src/modules/committees/committees.table.js';
import { users } from '../../src/modules/users/users.table.js';
import { bearer, createCommittee, createUser, signIn, tokenFor, type TestUser } from '../factories.js';
import { revokeAllForUser, dropRecoveryCodes } from '../../src/modules/auth/tokens.js';
import { leaveCommittees } from '../../src/modules/committees/committees.service.js';
import { updateUser } from '../../src/modules/users/users.service.js';
import { createTestApp, type TestApp } from '../harness.js';
import { allAuditText, auditEntries } from './helpers.js';

const hooks = { endSessions: revokeAllForUser, dropRecoveryCodes, leaveCommittees };

let t: TestApp;
let admin: TestUser;
let auth: { authorization: string };
beforeAll(async () => {
  t = await createTestApp({ LOGIN_ADDRESS_MAX_FAILURES: '1000' });
  admin = await createUser(t, { role: 'admin' });
  auth = bearer(await tokenFor(t, admin));
});
afterAll(() => t.close());

interface UserBody {
  id: string;
  email: string;
  role: string;
  ministry: string | null;
  active: boolean;
  version: number;
}

const create = (payload: Record<string, unknown>, headers = auth) => t.app.inject({ method: 'POST', url: '/users', headers, payload });
const patch = (id: string, payload: Record<string, unknown>, ifMatch?: string, headers = auth) =>
  t.app.inject({ method: 'PATCH', url: `/users/${id}`, headers: { ...headers, ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }) }, payload });
const strongPassword = 'olive-tree-harbour-1987';

const activate = (code: string, password: string, remoteAddress = '203.0.113.77') =>
  t.app.inject({ method: 'POST', url: '/auth/activate', payload: { code, password }, remoteAddress });

describe('POST /users', () => {
  it('creates a staff account with a one-time activation code; the person sets their own password and signs in; all audited with the email and name hashed', async () => {
    const res = await create({ email: 'Samir.Khoury@Interior.example', name: 'Samir Khoury', role: 'ministry_staff', ministry: 'interior' });
    expect(res.statusCode).toBe(201);
    const body = res.json<UserBody & { activationCode: string; activationExpiresAt: string }>();
    expect(body).toMatchObject({ email: 'samir.khoury@interior.example', role: 'ministry_staff', ministry: 'interior', active: true, version: 1 });
    expect(body.activationCode).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$/);
    expect(Date.parse(body.activationExpiresAt)).toBeGreaterThan(Date.now() + 71 * 3_600_000);
    expect(res.headers.etag).toBe('"1"');
    // Before activation there is no password that could sign in.
    const [before] = await t.database.db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, body.id));
    expect(before?.passwordHash).toBeNull();

    expect((await activate(body.activationCode.toLowerCase(), strongPassword)).statusCode).toBe(204);
    const session = await signIn(t, { email: 'samir.khoury@interior.example', password: strongPassword });
    expect(session.user.id).toBe(body.id);
    // Single use.
    expect((await activate(body.activationCode, 'another-olive-tree-1988')).json<{ code: string }>().code).toBe('activation.invalid_code');

    const [row] = await t.database.db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, body.id));
    expect(row?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const entry = (await auditEntries(t, 'user.created')).find((e) => e.entityId === body.id);
    expect(entry?.changes).toMatchObject({ role: { after: 'ministry_staff' }, ministry: { after: 'interior' }, active: { after: true } });
    expect(entry?.actor).toEqual({ id: admin.id, role: 'admin' });
    expect((await auditEntries(t, 'user.activation_issued')).some((e) => e.entityId === body.id)).toBe(true);
    expect((await auditEntries(t, 'user.activated')).some((e) => e.entityId === body.id && e.actor === null)).toBe(true);
    const text = await allAuditText(t);
    expect(text).not.toContain('samir.khoury');
    expect(text).not.toContain('Samir Khoury');
    expect(text).not.toContain(strongPassword);
    expect(text).not.toContain(body.activationCode);
  });

  it('never takes a password from the admin: a body with one is refused, and nothing is created', async () => {
    const email = `chosen.${Date.now()}@example.test`;
    const res = await create({ email, name: 'Chosen', role: 'auditor', password: strongPassword });
    expect(res.statusCode).toBe(400);
    expect((await t.database.db.select({ id: users.id }).from(users).where(eq(users.email, email))).length).toBe(0);
    expect((await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password: strongPassword } })).statusCode).toBe(401);
  });

  it('refuses an email that exists in another case with 409', async () => {
    const existing = await createUser(t, { role: 'auditor' });
    const res = await create({ email: existing.email.toUpperCase(), name: 'Twin', role: 'auditor' });
    expect(res.statusCode).toBe(409);
    expect(res.json<{ code: string }>().code).toBe('user.email_taken');
  });

  it.each([
    ['short', 'short pass', 'user.password_too_short'],
    ['common', 'Password1234', 'user.password_too_common'],
    ['repeated', 'aaaaaaaaaaaaaaaa', 'user.password_too_common'],
    ['digits', '123456789012345', 'user.password_too_common'],
  ])('refuses a %s password at activation with 400, and the code stays usable', async (_name, password, code) => {
    const created = (await create({ email: `pw.${Math.random()}@example.test`, name: 'P', role: 'auditor' })).json<{ activationCode: string }>();
    const res = await activate(created.activationCode, password, '203.0.113.78');
    expect(res.statusCode).toBe(400);
    expect(res.json<{ code: string; errors: { path: string }[] }>()).toMatchObject({ code, errors: [{ path: '/password' }] });
    expect((await activate(created.activationCode, strongPassword, '203.0.113.78')).statusCode).toBe(204);
  });

  it.each([
    ['an applicant', { role: 'applicant', ministry: 'interior' }],
    ['an admin with a ministry', { role: 'admin', ministry: 'interior' }],
    ['a committee member without a ministry', { role: 'committee_member' }],
    ['an unknown ministry', { role: 'ministry_staff', ministry: 'finance' }],
    ['unknown fields (mass assignment)', { role: 'auditor', active: false }],
    ['a preset id', { role: 'auditor', id: '00000000-0000-4000-8000-000000000000' }],
    ['a bad email', { role: 'auditor', email: 'not-an-email' }],
  ])('refuses %s with 400', async (_name, extra) => {
    const res = await create({ email: `bad.${Math.random()}@example.test`, name: 'X', ...extra });
    expect(res.statusCode).toBe(400);
  });

  it('lets an auditor be scoped to both ministries (no ministry) or one', async () => {
    const both = await create({ email: `aud.both.${Date.now()}@example.test`, name: 'A', role: 'auditor' });
    const one = await create({ email: `aud.one.${Date.now()}@example.test`, name: 'B', role: 'auditor', ministry: 'defense' });
    expect(both.json<UserBody>().ministry).toBeNull();
    expect(one.json<UserBody>().ministry).toBe('defense');
  });
});

describe('activation codes and resets', () => {
  it('a wrong, void or expired code is refused alike, and guesses are throttled per address', async () => {
    const guesser = '203.0.113.90';
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => activate(`AAAA-BBBB-CCCC-DDDD-${String(1000 + i)}`, strongPassword, guesser)));
    expect(answers.filter((a) => a.statusCode === 400).length).toBeLessThanOrEqual(5);
    expect(answers.filter((a) => a.statusCode === 429).length).toBeGreaterThanOrEqual(25);
  });

  it('a reset issues a new code (the old one and the password stop working), ends the sessions, and is shown at the next sign-in', async () => {
    const staff = await createUser(t, { role: 'committee_member' });
    const session = await signIn(t, staff);
    const first = await t.app.inject({ method: 'POST', url: `/users/${staff.id}/activation`, headers: auth });
    expect(first.statusCode).toBe(201);
    const second = await t.app.inject({ method: 'POST', url: `/users/${staff.id}/activation`, headers: auth });
    const { activationCode } = second.json<{ activationCode: string }>();
    expect((await t.app.inject({ method: 'GET', url: '/me', headers: bearer(session.accessToken) })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: staff.email, password: staff.password } })).statusCode).toBe(401);
    expect((await activate(first.json<{ activationCode: string }>().activationCode, strongPassword, '203.0.113.91')).statusCode).toBe(400);
    expect((await activate(activationCode, strongPassword, '203.0.113.91')).statusCode).toBe(204);
    const after = await signIn(t, { email: staff.email, password: strongPassword });
    expect(after.notices?.map((n) => n.kind)).toEqual(['activation', 'activation']);
    // Shown once.
    expect((await signIn(t, { email: staff.email, password: strongPassword })).notices).toEqual([]);
  });

  it('a reset that is not pending for that account is a 404, and a second confirmation finds nothing', async () => {
    const auditor = await createUser(t, { role: 'auditor' });
    const other = await createUser(t, { role: 'auditor' });
    const { resetId } = (await t.app.inject({ method: 'POST', url: `/users/${auditor.id}/activation`, headers: auth })).json<{ resetId: string }>();
    const second = bearer(await tokenFor(t, await createUser(t, { role: 'admin' })));
    const confirm = (userId: string, id: string) => t.app.inject({ method: 'POST', url: `/users/${userId}/resets/${id}/confirm`, headers: second });
    expect((await confirm(auditor.id, '00000000-0000-4000-8000-000000000001')).json<{ code: string }>().code).toBe('user.reset_not_found');
    // Another account's id with this reset: not found either, and nothing changes for either account.
    expect((await confirm(other.id, resetId)).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: other.email, password: other.password } })).statusCode).toBe(200);
    expect((await confirm(auditor.id, resetId)).statusCode).toBe(200);
    expect((await confirm(auditor.id, resetId)).statusCode).toBe(404);
  });

  it('an auditor account is reset only when a second admin confirms; the code goes to the confirming admin', async () => {
    const auditor = await createUser(t, { role: 'auditor' });
    const requested = await t.app.inject({ method: 'POST', url: `/users/${auditor.id}/activation`, headers: auth });
    expect(requested.statusCode).toBe(202);
    const { resetId, status } = requested.json<{ resetId: string; status: string; activationCode?: string }>();
    expect(status).toBe('pending');
    expect(requested.json<{ activationCode?: string }>().activationCode).toBeUndefined();
    // Nothing changed yet: the auditor still signs in.
    expect((await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: auditor.email, password: auditor.password } })).statusCode).toBe(200);
    // The requesting admin cannot confirm their own request; nor can a second factor be reset by PATCH.
    const self = await t.app.inject({ method: 'POST', url: `/users/${auditor.id}/resets/${resetId}/confirm`, headers: auth });
    expect(self.statusCode).toBe(403);
    expect((await patch(auditor.id, { resetMfa: true }, '1')).json<{ code: string }>().code).toBe('user.reset_needs_second_admin');
    const second = await createUser(t, { role: 'admin' });
    const confirmed = await t.app.inject({ method: 'POST', url: `/users/${auditor.id}/resets/${resetId}/confirm`, headers: bearer(await tokenFor(t, second)) });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json<{ activationCode: string }>().activationCode).toMatch(/^[0-9A-Z-]{24}$/);
    expect((await t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: auditor.email, password: auditor.password } })).statusCode).toBe(401);
    const trail = [...(await auditEntries(t, 'user.reset_requested')), ...(await auditEntries(t, 'user.reset'))].filter((e) => e.entityId === auditor.id);
    expect(trail.map((e) => e.actor?.id)).toEqual([admin.id, second.id]);
  });
});

describe('GET /users', () => {
  it('pages with a cursor, default 50 and at most 200, without duplicates or gaps', async () => {
    for (let i = 0; i < 5; i += 1) await createUser(t, { role: 'ministry_staff', ministry: 'defense', email: `page${i}.${Date.now()}@example.test` });
    const all = await t.app.inject({ method: 'GET', url: '/users?limit=200', headers: auth });
    const everyone = all.json<{ items: UserBody[]; nextCursor: string | null }>();
    expect(everyone.nextCursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await t.app.inject({ method: 'GET', url, headers: auth })).json<{ items: UserBody[]; nextCursor: string | null }>();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((u) => u.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(everyone.items.map((u) => u.id));
    expect((await t.app.inject({ method: 'GET', url: '/users?limit=201', headers: auth })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/users?cursor=%%%', headers: auth })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/users?sort=email', headers: auth })).statusCode).toBe(400);
  });

  it('filters by role, ministry and active', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/users?role=ministry_staff&ministry=defense&active=true', headers: auth });
    const items = res.json<{ items: UserBody[] }>().items;
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((u) => u.role === 'ministry_staff' && u.ministry === 'defense' && u.active)).toBe(true);
  });
});

describe('PATCH /users/:id', () => {
  it('needs If-Match (428), refuses a stale version (412), and applies a current one', async () => {
    const staff = await createUser(t, { role: 'ministry_staff' });
    expect((await patch(staff.id, { name: 'Renamed' })).statusCode).toBe(428);
    expect((await patch(staff.id, { name: 'Renamed' }, '"7"')).statusCode).toBe(412);
    expect((await patch(staff.id, { name: 'Renamed' }, 'garbage')).statusCode).toBe(412);
    const ok = await patch(staff.id, { name: 'Renamed' }, '"1"');
    expect(ok.statusCode).toBe(200);
    expect(ok.json<UserBody>().version).toBe(2);
    expect(ok.headers.etag).toBe('"2"');
    expect((await patch(staff.id, { name: 'Again' }, '"1"')).statusCode).toBe(412);
    expect((await patch('00000000-0000-4000-8000-000000000000', { name: 'x' }, '"1"')).statusCode).toBe(404);
  });

  it('disables an account: its tokens stop at once and its refresh tokens are revoked; enabling restores sign-in', async () => {
    const staff = await createUser(t, { role: 'ministry_staff' });
    const session = await signIn(t, staff);
    const res = await patch(staff.id, { active: false }, '1');
    expect(res.statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/me', headers: bearer(session.accessToken) })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: session.refreshToken } })).statusCode).toBe(401);
    const entry = (await auditEntries(t, 'user.updated')).find((e) => e.entityId === staff.id);
    expect(entry?.changes).toMatchObject({ active: { before: true, after: false } });
    expect(entry?.details).toMatchObject({ sessionsRevoked: 1 });

    expect((await patch(staff.id, { active: true }, '2')).statusCode).toBe(200);
    expect((await signIn(t, staff)).user.id).toBe(staff.id);
  });

  it('changes a role with the matching ministry rules, and takes committee seats away from a former member', async () => {
    const member = await createUser(t, { role: 'committee_member', ministry: 'interior' });
    const committee = await createCommittee(t, { ministry: 'interior', members: [{ userId: member.id, chair: true }] });
    const toAdminWithMinistry = await patch(member.id, { role: 'admin', ministry: 'interior' }, '1');
    expect(toAdminWithMinistry.statusCode).toBe(400);
    const res = await patch(member.id, { role: 'ministry_staff' }, '1');
    expect(res.statusCode).toBe(200);
    expect(res.json<UserBody>()).toMatchObject({ role: 'ministry_staff', ministry: 'interior' });
    const seats = await t.database.db.select().from(committeeMembers).where(eq(committeeMembers.userId, member.id));
    expect(seats).toEqual([]);
    const removed = (await auditEntries(t, 'committee.member_removed')).find((e) => e.entityId === committee.id);
    expect(removed?.details).toMatchObject({ userId: member.id, reason: 'role_or_ministry_changed' });
    const toAdmin = await patch(member.id, { role: 'admin' }, '2');
    expect(toAdmin.json<UserBody>()).toMatchObject({ role: 'admin', ministry: null });
  });

  it('refuses unknown fields and self-changes of role, ministry or active (mass assignment)', async () => {
    const staff = await createUser(t, { role: 'ministry_staff' });
    expect((await patch(staff.id, { email: 'new@example.test' }, '1')).statusCode).toBe(400);
    expect((await patch(staff.id, { passwordHash: 'x' }, '1')).statusCode).toBe(400);
    expect((await patch(staff.id, {}, '1')).statusCode).toBe(400);
    for (const body of [{ role: 'auditor' }, { ministry: 'defense' }, { active: false }, { resetMfa: true }]) {
      const res = await patch(admin.id, body, '1');
      expect(res.statusCode).toBe(403);
      expect(res.json<{ code: string }>().code).toBe('user.self_change_forbidden');
    }
    // Nobody but an admin reaches the endpoint at all, not even for themselves.
    const own = await patch(staff.id, { role: 'admin' }, '1', bearer(await tokenFor(t, staff)));
    expect(own.statusCode).toBe(403);
    const [row] = await t.database.db.select({ role: users.role }).from(users).where(eq(users.id, staff.id));
    expect(row?.role).toBe('ministry_staff');
  });

  it('lets an admin rename themselves', async () => {
    const [row] = await t.database.db.select({ version: users.version }).from(users).where(eq(users.id, admin.id));
    const res = await patch(admin.id, { name: 'Chief administrator' }, String(row!.version));
    expect(res.statusCode).toBe(200);
  });
});

describe('last active admin', () => {
  it('survives two admins disabling each other at the same time: one wins, one admin stays active', async () => {
    const solo = await createTestApp();
    try {
      const a = await createUser(solo, { role: 'admin' });
      const b = await createUser(solo, { role: 'admin' });
      const [tokenA, tokenB] = [await tokenFor(solo, a), await tokenFor(solo, b)];
      const disable = (token: string, target: TestUser) =>
        solo.app.inject({ method: 'PATCH', url: `/users/${target.id}`, headers: { ...bearer(token), 'if-match': '1' }, payload: { active: false } });
      const results = await Promise.all([disable(tokenA, b), disable(tokenB, a)]);
      // The loser is refused either by the auth hook (already disabled: 401) or, when both got past it, by the
      // last-admin rule under the admin-row locks (409). Never both 200.
      const statuses = results.map((r) => r.statusCode).sort();
      expect(statuses[0]).toBe(200);
      expect([401, 409]).toContain(statuses[1]);
      const active = await solo.database.db.select().from(users).where(eq(users.active, true));
      expect(active.filter((u) => u.role === 'admin')).toHaveLength(1);
    } finally {
      await solo.close();
    }
  });

  it('refuses to disable or demote the only active admin, whoever asks (service rule)', async () => {
    const solo = await createTestApp();
    try {
      const only = await createUser(solo, { role: 'admin' });
      await createUser(solo, { role: 'admin', active: false });
      const caller = { id: '00000000-0000-4000-8000-000000000001', role: 'admin' as const, ministry: null, email: 'x', name: 'x', mfa: true };
      const context = { actor: null, requestId: null, clientAddress: null };
      for (const patchBody of [{ active: false }, { role: 'auditor' as const }]) {
        await expect(
          updateUser({ db: solo.database.db, audit: solo.app.audit, context, actor: caller, hooks, id: only.id, expectedVersion: 1, patch: patchBody }),
        ).rejects.toMatchObject({ status: 409, code: 'user.last_admin' });
      }
      // Renaming the last admin is fine.
      const renamed = await updateUser({ db: solo.database.db, audit: solo.app.audit, context, actor: caller, hooks, id: only.id, expectedVersion: 1, patch: { name: 'Still here' } });
      expect(renamed.version).toBe(2);
      // And over HTTP the last admin can't remove themselves either.
      const self = await solo.app.inject({ method: 'PATCH', url: `/users/${only.id}`, headers: { ...bearer(await tokenFor(solo, only)), 'if-match': '2' }, payload: { active: false } });
      expect(self.statusCode).toBe(403);
    } finally {
      await solo.close();
    }
  });
});

describe('applicant accounts', () => {
  it('are invisible to the admin endpoints (their data is case content)', async () => {
    const applicant = await createUser(t, { role: 'applicant', ministry: 'interior', name: 'Applicant Name' });
    const list = await t.app.inject({ method: 'GET', url: '/users?limit=200', headers: auth });
    expect(list.json<{ items: UserBody[] }>().items.map((u) => u.id)).not.toContain(applicant.id);
    expect(list.body).not.toContain('Applicant Name');
    expect((await t.app.inject({ method: 'GET', url: '/users?role=applicant', headers: auth })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: `/users/${applicant.id}`, headers: auth })).statusCode).toBe(404);
    expect((await patch(applicant.id, { active: false }, '1')).statusCode).toBe(404);
  });
});
