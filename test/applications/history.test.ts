import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applications } from '../../src/modules/applications/applications.table.js';
import { auditLog } from '../../src/modules/audit/audit.table.js';
import { bearer, createUser, tokenFor, type TestUser } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';

let t: TestApp;
let owner: TestUser;
let otherApplicant: TestUser;
let interiorStaff: TestUser;
let caseId: string;
const tokens: Record<string, string> = {};
const users: Record<string, TestUser> = {};

async function history(who: string, id = caseId, query = '') {
  return t.app.inject({ method: 'GET', url: `/applications/${id}/history${query}`, headers: bearer(tokens[who]!) });
}

async function entries(action: string, entityId: string) {
  return t.database.db
    .select({ actorId: auditLog.actorId, outcome: auditLog.outcome, canonical: auditLog.canonical })
    .from(auditLog)
    .where(and(eq(auditLog.action, action), eq(auditLog.entityId, entityId)));
}

beforeAll(async () => {
  t = await createTestApp();
  owner = await createUser(t, { role: 'applicant', ministry: 'interior' });
  otherApplicant = await createUser(t, { role: 'applicant', ministry: 'interior' });
  interiorStaff = await createUser(t, { role: 'ministry_staff', ministry: 'interior' });
  Object.assign(users, {
    owner,
    otherApplicant,
    interiorStaff,
    defenseStaff: await createUser(t, { role: 'ministry_staff', ministry: 'defense' }),
    interiorMember: await createUser(t, { role: 'committee_member', ministry: 'interior' }),
    auditorBoth: await createUser(t, { role: 'auditor', ministry: null }),
    auditorDefense: await createUser(t, { role: 'auditor', ministry: 'defense' }),
    admin: await createUser(t, { role: 'admin' }),
  });
  for (const [name, user] of Object.entries(users)) tokens[name] = await tokenFor(t, user);

  const [created] = await t.database.db
    .insert(applications)
    .values({ reference: 'MOI-2026-000001', ministry: 'interior', channel: 'link', applicantUserId: owner.id })
    .returning({ id: applications.id });
  caseId = created!.id;
  const context = (user: TestUser) => ({ actor: { id: user.id, role: user.role }, requestId: 'seed', clientAddress: '127.0.0.1' });
  await t.app.audit.inTransaction(t.database.db, context(owner), async (_tx, record) => {
    await record([
      { action: 'application.registered', entityType: 'application', entityId: caseId, caseId, ministry: 'interior', changes: { status: { after: 'submitted' } }, personal: { nationalId: { after: '03012345678' } } },
    ]);
  });
  await t.app.audit.inTransaction(t.database.db, context(interiorStaff), async (_tx, record) => {
    await record([
      {
        action: 'case.screen',
        entityType: 'application',
        entityId: caseId,
        caseId,
        ministry: 'interior',
        changes: { status: { before: 'submitted', after: 'screening' }, committeeId: { after: 'c-1' } },
        personal: { note: { after: 'internal remark' } },
        details: { reason: 'documents_complete' },
      },
    ]);
  });
});
afterAll(() => t.close());

describe('GET /applications/:id/history', () => {
  it('gives staff of the case’s ministry the full trail, oldest first, and records the read', async () => {
    const res = await history('interiorStaff');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const items = res.json<{ items: { action: string; actor: { id: string }; changes: Record<string, unknown>; details: Record<string, unknown> }[] }>().items;
    expect(items.map((i) => i.action)).toEqual(['application.registered', 'case.screen']);
    expect(items[1]).toMatchObject({ actor: { id: interiorStaff.id }, details: { reason: 'documents_complete' } });
    // Personal data only ever as keyed hashes.
    expect(JSON.stringify(items)).not.toContain('03012345678');
    expect(JSON.stringify(items)).not.toContain('internal remark');
    const reads = await entries('read', caseId);
    expect(reads.some((r) => r.actorId === interiorStaff.id && r.outcome === 'success')).toBe(true);
  });

  it('gives the applicant a redacted view of their own case: status only, staff not named', async () => {
    const res = await history('owner');
    expect(res.statusCode).toBe(200);
    const items = res.json<{ items: Record<string, unknown>[] }>().items;
    expect(items).toEqual([
      expect.objectContaining({ action: 'application.registered', by: 'you', changes: { status: { after: 'submitted' } } }),
      expect.objectContaining({ action: 'case.screen', by: 'staff', changes: { status: { before: 'submitted', after: 'screening' } } }),
    ]);
    for (const item of items) {
      expect(item).not.toHaveProperty('actor');
      expect(item).not.toHaveProperty('details');
    }
    expect(res.body).not.toContain(interiorStaff.id);
    // The applicant's own reads do not show up in what they see.
    const again = await history('owner');
    expect(again.json<{ items: unknown[] }>().items).toHaveLength(2);
  });

  it.each(['otherApplicant', 'defenseStaff', 'auditorDefense'])('answers 404 to %s, exactly as for a case that does not exist, and audits the refusal', async (who) => {
    const res = await history(who);
    const missing = await history(who, '00000000-0000-4000-8000-000000000001');
    expect(res.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    // Same document but for the request id and the path it names.
    const comparable = (body: Record<string, unknown>) => ({ ...body, requestId: null, instance: null });
    expect(comparable(res.json())).toEqual(comparable(missing.json()));
    expect(res.json<{ code: string }>().code).toBe('application.not_found');
    const refused = await entries('access.refused', caseId);
    expect(refused.some((d) => d.outcome === 'denied' && d.actorId === users[who]!.id)).toBe(true);
  });

  it('lets an auditor of both ministries and a committee member of the ministry read it', async () => {
    expect((await history('auditorBoth')).statusCode).toBe(200);
    expect((await history('interiorMember')).statusCode).toBe(200);
  });

  it('refuses admins (no case content) with 403', async () => {
    const res = await history('admin');
    expect(res.statusCode).toBe(403);
    expect(res.body).not.toContain('application.registered');
  });

  it('pages with a cursor', async () => {
    const first = await history('interiorStaff', caseId, '?limit=1');
    const page1 = first.json<{ items: { action: string }[]; nextCursor: string | null }>();
    expect(page1.items.map((i) => i.action)).toEqual(['application.registered']);
    expect(page1.nextCursor).not.toBeNull();
    const second = await history('interiorStaff', caseId, `?limit=1&cursor=${encodeURIComponent(page1.nextCursor!)}`);
    expect(second.json<{ items: { action: string }[] }>().items.map((i) => i.action)).toEqual(['case.screen']);
  });

  it('pages the applicant’s redacted view after filtering: full pages, and no nextCursor after the last one', async () => {
    // Entries the applicant never sees, after their last visible one: reads and refused attempts.
    const staffContext = { actor: { id: interiorStaff.id, role: interiorStaff.role }, requestId: 'seed', clientAddress: '127.0.0.1' };
    await t.app.audit.inTransaction(t.database.db, staffContext, async (_tx, record) => {
      await record([
        { action: 'read', entityType: 'application', entityId: caseId },
        { action: 'read', entityType: 'application', entityId: caseId },
        { action: 'case.screen', entityType: 'application', entityId: caseId, outcome: 'denied', details: { reason: 'test' } },
      ]);
    });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await history('owner', caseId, `?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page = res.json<{ items: { action: string }[]; nextCursor: string | null }>();
      expect(page.items).toHaveLength(1);
      seen.push(...page.items.map((i) => i.action));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen).toEqual(['application.registered', 'case.screen']);
  });

  it.each([
    ['a malformed id', 'not-a-uuid', ''],
    ['an unknown query field', null, '?sort=desc'],
    ['a limit above 200', null, '?limit=201'],
  ])('refuses %s with 400', async (_what, id, query) => {
    const res = await history('interiorStaff', id ?? caseId, query);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('needs a token', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/applications/${caseId}/history` });
    expect(res.statusCode).toBe(401);
  });
});
