import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createCommittee, createUser, tokenFor, type TestUser } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { auditEntries } from './helpers.js';

let t: TestApp;
let auth: { authorization: string };
beforeAll(async () => {
  t = await createTestApp();
  const admin = await createUser(t, { role: 'admin' });
  auth = bearer(await tokenFor(t, admin));
});
afterAll(() => t.close());

interface CommitteeBody {
  id: string;
  ministry: string;
  name: string;
  members: { userId: string; chair: boolean }[];
}

const put = (committeeId: string, userId: string, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'PUT', url: `/committees/${committeeId}/members/${userId}`, headers: auth, payload });

describe('committees', () => {
  it('creates a committee, refuses a duplicate name in the same ministry, allows it in the other', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/committees', headers: auth, payload: { ministry: 'interior', name: 'Law officers committee' } });
    expect(res.statusCode).toBe(201);
    expect(res.json<CommitteeBody>()).toMatchObject({ ministry: 'interior', name: 'Law officers committee', members: [] });
    const dup = await t.app.inject({ method: 'POST', url: '/committees', headers: auth, payload: { ministry: 'interior', name: 'Law officers committee' } });
    expect(dup.statusCode).toBe(409);
    const other = await t.app.inject({ method: 'POST', url: '/committees', headers: auth, payload: { ministry: 'defense', name: 'Law officers committee' } });
    expect(other.statusCode).toBe(201);
    expect((await auditEntries(t, 'committee.created')).map((e) => e.entityId)).toContain(res.json<CommitteeBody>().id);
  });

  it('refuses unknown ministries and unknown fields', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/committees', headers: auth, payload: { ministry: 'finance', name: 'X' } })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: '/committees', headers: auth, payload: { ministry: 'interior', name: 'X', id: 'x' } })).statusCode).toBe(400);
  });

  it('lists with members and pages by cursor', async () => {
    for (let i = 0; i < 3; i += 1) await createCommittee(t, { ministry: 'defense', name: `Paging ${i}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/committees?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await t.app.inject({ method: 'GET', url, headers: auth })).json<{ items: CommitteeBody[]; nextCursor: string | null }>();
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    const all = (await t.app.inject({ method: 'GET', url: '/committees?limit=200', headers: auth })).json<{ items: CommitteeBody[] }>();
    expect(seen).toEqual(all.items.map((c) => c.id));
    expect(new Set(seen).size).toBe(seen.length);
    const defense = (await t.app.inject({ method: 'GET', url: '/committees?ministry=defense', headers: auth })).json<{ items: CommitteeBody[] }>();
    expect(defense.items.every((c) => c.ministry === 'defense')).toBe(true);
    expect((await t.app.inject({ method: 'GET', url: '/committees?cursor=bm9wZQ', headers: auth })).statusCode).toBe(400);
  });
});

describe('membership', () => {
  let committee: { id: string };
  let member: TestUser;
  beforeAll(async () => {
    committee = await createCommittee(t, { ministry: 'interior' });
    member = await createUser(t, { role: 'committee_member', ministry: 'interior' });
  });

  it('adds a member (201), changes the chair flag (200), shows it on the committee and on /me, removes it (204, then 404)', async () => {
    const added = await put(committee.id, member.id, { chair: false });
    expect(added.statusCode).toBe(201);
    const chair = await put(committee.id, member.id, { chair: true });
    expect(chair.statusCode).toBe(200);
    expect(chair.json()).toMatchObject({ userId: member.id, chair: true });

    const view = (await t.app.inject({ method: 'GET', url: `/committees/${committee.id}`, headers: auth })).json<CommitteeBody>();
    expect(view.members).toEqual([expect.objectContaining({ userId: member.id, chair: true })]);
    const me = await t.app.inject({ method: 'GET', url: '/me', headers: bearer(await tokenFor(t, member)) });
    expect(me.json<{ committees: { id: string; chair: boolean }[] }>().committees).toEqual([expect.objectContaining({ id: committee.id, chair: true })]);

    const actions = (await auditEntries(t, 'committee.member_added')).concat(await auditEntries(t, 'committee.member_updated'));
    expect(actions.map((e) => e.changes)).toEqual(
      expect.arrayContaining([{ member: { after: member.id }, chair: { after: false } }, { chair: { before: false, after: true } }]),
    );

    const del = await t.app.inject({ method: 'DELETE', url: `/committees/${committee.id}/members/${member.id}`, headers: auth });
    expect(del.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'DELETE', url: `/committees/${committee.id}/members/${member.id}`, headers: auth })).statusCode).toBe(404);
    expect((await auditEntries(t, 'committee.member_removed')).at(-1)?.details).toMatchObject({ userId: member.id });
  });

  it.each([
    ['a member of the other ministry', { role: 'committee_member', ministry: 'defense' }],
    ['ministry staff', { role: 'ministry_staff', ministry: 'interior' }],
    ['an auditor', { role: 'auditor', ministry: 'interior' }],
    ['a disabled member', { role: 'committee_member', ministry: 'interior', active: false }],
  ] as const)('refuses %s with 409', async (_name, options) => {
    const user = await createUser(t, options);
    const res = await put(committee.id, user.id, { chair: false });
    expect(res.statusCode).toBe(409);
    expect(res.json<{ code: string }>().code).toBe('committee.member_not_eligible');
  });

  it('answers 404 for an unknown committee or user, 400 for a bad body', async () => {
    expect((await put('00000000-0000-4000-8000-000000000000', member.id, { chair: false })).statusCode).toBe(404);
    expect((await put(committee.id, '00000000-0000-4000-8000-000000000000', { chair: false })).statusCode).toBe(404);
    expect((await put(committee.id, member.id, { chair: 'yes' })).statusCode).toBe(400);
    expect((await put(committee.id, member.id, { chair: true, ministry: 'defense' })).statusCode).toBe(400);
    expect((await put(committee.id, 'not-a-uuid', { chair: true })).statusCode).toBe(400);
  });

  it('is closed to everyone but admins', async () => {
    for (const role of ['committee_member', 'ministry_staff', 'auditor', 'applicant'] as const) {
      const user = await createUser(t, { role, ministry: role === 'auditor' ? null : 'interior' });
      const res = await t.app.inject({ method: 'PUT', url: `/committees/${committee.id}/members/${user.id}`, headers: bearer(await tokenFor(t, user)), payload: { chair: true } });
      expect(res.statusCode).toBe(403);
    }
  });
});
