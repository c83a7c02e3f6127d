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

describe('POST /users', () => {
  it('creates a staff account that can sign in, and audits it with the email and name hashed', async () => {
    const res = await create({ email: 'Samir.Khoury@Interior.example', name: 'Samir Khoury', role: 'ministry_staff', ministry: 'interior', password: strongPassword });
    expect(res.statusCode).toBe(201);
    const body = res.json<UserBody>();
    expect(body).toMatchObject({ email: 'samir.khoury@interior.example', role: 'ministry_staff', ministry: 'interior', active: true, version: 1 });
    expect(res.headers.etag).toBe('"1"');
    const session = await signIn(t, { email: 'samir.khoury@interior.example', password: strongPassword });
    expect(session.user.id).toBe(body.id);

    const [row] = await t.database.db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, body.id));
    expect(row?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const entry = (await auditEntries(t, 'user.created')).find((e) => e.entityId === body.id);
    expect(entry?.changes).toMatchObject({ role: { after: 'ministry_staff' }, ministry: { after: 'interior' }, active: { after: true } });
    expect(entry?.actor).toEqual({ id: admin.id, role: 'admin' });
    const text = await allAuditText(t);
    expect(text).not.toContain('samir.khoury');
    expect(text).not.toContain('Samir Khoury');
    expect(text).not.toContain(strongPassword);
  });

  it('refuses an email that exists in another case with 409', async () => {
    const existing = await createUser(t, { role: 'auditor' });
    const res = await create({ email: existing.email.toUpperCase(), name: 'Twin', role: 'auditor', password: strongPassword });
    expect(res.statusCode).toBe(409);
    expect(res.json<{ code: string }>().code).toBe('user.email_taken');
  });

  it.each([
    ['short', 'short pass', 'user.password_too_short'],
    ['common', 'Password1234', 'user.password_too_common'],
    ['repeated', 'aaaaaaaaaaaaaaaa', 'user.password_too_common'],
    ['digits', '123456789012345', 'user.password_too_common'],
  ])('refuses a %s password with 400', async (_name, password, code) => {
    const res = await create({ email: `pw.${Math.random()}@example.test`, name: 'P', role: 'auditor', password });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ code: string; errors: { path: string }[] }>()).toMatchObject({ code, errors: [{ path: '/password' }] });
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
    const res = await create({ email: `bad.${Math.random()}@example.test`, name: 'X', password: strongPassword, ...extra });
    expect(res.statusCode).toBe(400);
  });

  it('lets an auditor be scoped to both ministries (no ministry) or one', async () => {
    const both = await create({ email: `aud.both.${Date.now()}@example.test`, name: 'A', role: 'auditor', password: strongPassword });
    const one = await create({ email: `aud.one.${Date.now()}@example.test`, name: 'B', role: 'auditor', ministry: 'defense', password: strongPassword });
    expect(both.json<UserBody>().ministry).toBeNull();
    expect(one.json<UserBody>().ministry).toBe('defense');
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
