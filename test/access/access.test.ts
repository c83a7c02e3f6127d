import { and, asc, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseAccessFacts, createAccess, type Refusal } from '../../src/access/access.js';
import type { Actor } from '../../src/access/actor.js';
import type { Role } from '../../src/access/roles.js';
import { canSeeCase, caseVisibility } from '../../src/access/scope.js';
import { applications } from '../../src/modules/applications/applications.table.js';
import { auditLog } from '../../src/modules/audit/audit.table.js';
import { createCommittee, createUser, type TestUser } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';

let t: TestApp;
const people: Record<string, TestUser> = {};
const cases: { id: string; ministry: string; applicantUserId: string | null; committeeId: string | null }[] = [];
let interiorCommittee: string;

function actor(name: string): Actor {
  const user = people[name]!;
  return { id: user.id, role: user.role, ministry: user.ministry, email: user.email, name, mfa: true };
}

const PEOPLE: [string, Role, string | null][] = [
  ['interiorApplicant', 'applicant', 'interior'],
  ['defenseApplicant', 'applicant', 'defense'],
  ['interiorMember', 'committee_member', 'interior'],
  ['defenseMember', 'committee_member', 'defense'],
  ['interiorStaff', 'ministry_staff', 'interior'],
  ['defenseStaff', 'ministry_staff', 'defense'],
  ['interiorAuditor', 'auditor', 'interior'],
  ['defenseAuditor', 'auditor', 'defense'],
  ['auditorBoth', 'auditor', null],
  ['admin', 'admin', null],
];

beforeAll(async () => {
  t = await createTestApp();
  for (const [name, role, ministry] of PEOPLE) people[name] = await createUser(t, { role, ministry });
  interiorCommittee = (await createCommittee(t, { ministry: 'interior', members: [{ userId: people.interiorMember!.id, chair: true }] })).id;
  let n = 0;
  for (const ministry of ['interior', 'defense'] as const) {
    for (const owner of [people[`${ministry}Applicant`]!.id, null]) {
      for (const committeeId of ministry === 'interior' ? [interiorCommittee, null] : [null]) {
        n += 1;
        const prefix = ministry === 'interior' ? 'MOI' : 'MOD';
        const [row] = await t.database.db
          .insert(applications)
          .values({ reference: `${prefix}-2026-${String(n).padStart(6, '0')}`, ministry, channel: 'walk_in', applicantUserId: owner, committeeId })
          .returning({ id: applications.id });
        cases.push({ id: row!.id, ministry, applicantUserId: owner, committeeId });
      }
    }
  }
});
afterAll(() => t.close());

async function listAs(name: string) {
  const rows = await t.database.db
    .select({ id: applications.id, ministry: applications.ministry })
    .from(applications)
    .where(and(inArray(applications.id, cases.map((c) => c.id)), caseVisibility(actor(name))))
    .orderBy(asc(applications.reference));
  return rows;
}

describe('caseVisibility: the list predicate', () => {
  it('never lets one ministry’s cases into another ministry’s list', async () => {
    for (const name of ['interiorMember', 'interiorStaff', 'interiorAuditor']) {
      const rows = await listAs(name);
      expect(rows.length).toBe(cases.filter((c) => c.ministry === 'interior').length);
      expect(rows.every((r) => r.ministry === 'interior')).toBe(true);
    }
    for (const name of ['defenseMember', 'defenseStaff', 'defenseAuditor']) {
      const rows = await listAs(name);
      expect(rows.length).toBe(cases.filter((c) => c.ministry === 'defense').length);
      expect(rows.every((r) => r.ministry === 'defense')).toBe(true);
    }
  });

  it('gives an auditor of both ministries everything, an applicant their own cases, an admin nothing', async () => {
    expect(await listAs('auditorBoth')).toHaveLength(cases.length);
    expect((await listAs('interiorApplicant')).map((r) => r.id).sort()).toEqual(cases.filter((c) => c.applicantUserId === people.interiorApplicant!.id).map((c) => c.id).sort());
    expect(await listAs('admin')).toEqual([]);
  });

  it('agrees with the in-memory rule for every caller and every case', async () => {
    for (const [name] of PEOPLE) {
      const listed = new Set((await listAs(name)).map((r) => r.id));
      for (const record of cases) expect(listed.has(record.id), `${name} / ${record.ministry} case`).toBe(canSeeCase(actor(name), record));
    }
  });

  it('agrees with the in-memory rule in its prepared form too (the caller as values), for every caller and every case', async () => {
    for (const [name] of PEOPLE) {
      const facts = await caseAccessFacts(t.database.db, actor(name), cases.map((c) => c.id));
      for (const record of cases) expect(facts.has(record.id), `${name} / ${record.ministry} case`).toBe(canSeeCase(actor(name), record));
    }
  });
});

describe('requireAccess', () => {
  const refusals: Refusal<string>[] = [];
  const access = () => createAccess<string>({ db: t.database.db, onRefused: async (refusal) => void refusals.push(refusal) });

  it('returns the facts of every visible case in bulk, with the caller’s committee seat', async () => {
    const ids = cases.filter((c) => c.ministry === 'interior').map((c) => c.id);
    const facts = await access().requireAccess({ actor: actor('interiorMember'), permission: 'applications:read', ids, context: 'req-1' });
    expect([...facts.keys()].sort()).toEqual([...ids].sort());
    for (const record of cases.filter((c) => c.ministry === 'interior')) {
      expect(facts.get(record.id)).toMatchObject({ ministry: 'interior', status: 'submitted', version: 1, seat: record.committeeId ? { chair: true, recused: false } : null });
    }
    const staffFacts = await access().requireAccess({ actor: actor('interiorStaff'), permission: 'applications:read', ids, context: 'req-2' });
    expect([...staffFacts.values()].every((f) => f.seat === null)).toBe(true);
    expect(refusals).toEqual([]);
  });

  it('answers one 404 for a batch with any case out of scope (or missing), and reports each refused record once', async () => {
    const interior = cases.find((c) => c.ministry === 'interior')!;
    const defense = cases.find((c) => c.ministry === 'defense')!;
    const missing = '00000000-0000-4000-8000-000000000009';
    const attempt = access().requireAccess({ actor: actor('interiorStaff'), permission: 'applications:read', ids: [interior.id, defense.id, missing, defense.id], context: 'req-3' });
    await expect(attempt).rejects.toMatchObject({ status: 404, code: 'application.not_found' });
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ permission: 'applications:read', context: 'req-3', actor: { id: people.interiorStaff!.id } });
    expect(refusals[0]!.records).toEqual([
      { entityType: 'application', id: defense.id, ministry: 'defense' },
      { entityType: 'application', id: missing, ministry: null },
    ]);
  });

  it('never lets an admin reach case content, and refuses a permission the role lacks with 403', async () => {
    refusals.length = 0;
    await expect(access().requireAccess({ actor: actor('admin'), permission: 'applications:read', ids: [cases[0]!.id], context: 'req-4' })).rejects.toMatchObject({ status: 403 });
    await expect(access().requireAccess({ actor: actor('auditorBoth'), permission: 'applications:act', ids: [cases[0]!.id], context: 'req-5' })).rejects.toMatchObject({ status: 403 });
    expect(refusals).toEqual([]);
  });

  it('is wired to the audit trail as access.refused, once per refused case, with its ministry', async () => {
    const defense = cases.find((c) => c.ministry === 'defense')!;
    await expect(
      t.app.access.requireAccess({ actor: actor('interiorAuditor'), permission: 'applications:read', ids: [defense.id], context: { actor: { id: people.interiorAuditor!.id, role: 'auditor' }, requestId: 'req-6', clientAddress: '127.0.0.1' } }),
    ).rejects.toMatchObject({ status: 404 });
    const rows = await t.database.db
      .select({ actorId: auditLog.actorId, outcome: auditLog.outcome, canonical: auditLog.canonical, entityType: auditLog.entityType })
      .from(auditLog)
      .where(and(eq(auditLog.action, 'access.refused'), eq(auditLog.entityId, defense.id)));
    expect(rows).toEqual([expect.objectContaining({ actorId: people.interiorAuditor!.id, outcome: 'denied', entityType: 'application' })]);
    expect(JSON.parse(rows[0]!.canonical)).toMatchObject({ ministry: 'defense', details: { permission: 'applications:read' } });
  });
});
