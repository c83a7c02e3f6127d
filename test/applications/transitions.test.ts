import { and, eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/access/roles.js';
import type { CaseStatus } from '../../src/modules/applications/applications.state.js';
import { applications } from '../../src/modules/applications/applications.table.js';
import { transitionRows, type CaseAction, type Transition, type Who } from '../../src/modules/applications/applications.transitions.js';
import { auditLog } from '../../src/modules/audit/audit.table.js';
import { bearer, createCommittee, createUser, tokenFor, type TestUser } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';

/**
 * Generated from the transition table: for every (from, action) row, every kind of caller is tried
 * on a case in `from`. Each caller is described by the `who` names it satisfies, written out here
 * independently of the engine's own rules.
 */

interface Caller {
  role: Role;
  ministry: string | null;
  /** The `who` alternatives this caller satisfies on the test cases (interior, committee `committee`). */
  satisfies: Who[];
  /** Sees the case at all (else: 404, or 403 from the role check). */
  visible: boolean;
  /** Has `applications:act` (else the role check answers 403 before anything else). */
  acts: boolean;
}

const CALLERS = {
  member: { role: 'committee_member', ministry: 'interior', satisfies: ['member', 'panel_member', 'staff'], visible: true, acts: true },
  chair: { role: 'committee_member', ministry: 'interior', satisfies: ['member', 'chair', 'panel_member', 'staff'], visible: true, acts: true },
  seatless: { role: 'committee_member', ministry: 'interior', satisfies: ['staff'], visible: true, acts: true },
  staff: { role: 'ministry_staff', ministry: 'interior', satisfies: ['ministry_staff', 'staff'], visible: true, acts: true },
  owner: { role: 'applicant', ministry: 'interior', satisfies: ['applicant'], visible: true, acts: true },
  otherApplicant: { role: 'applicant', ministry: 'interior', satisfies: [], visible: false, acts: true },
  defenseMember: { role: 'committee_member', ministry: 'defense', satisfies: [], visible: false, acts: true },
  defenseStaff: { role: 'ministry_staff', ministry: 'defense', satisfies: [], visible: false, acts: true },
  auditor: { role: 'auditor', ministry: null, satisfies: [], visible: true, acts: false },
  admin: { role: 'admin', ministry: null, satisfies: [], visible: false, acts: false },
} as const satisfies Record<string, Caller>;
type CallerName = keyof typeof CALLERS;
const CALLER_NAMES = Object.keys(CALLERS) as CallerName[];
/** Who acts for each `who` alternative of a row. */
const CALLER_FOR: Record<Who, CallerName> = { member: 'member', chair: 'chair', panel_member: 'member', applicant: 'owner', ministry_staff: 'staff', staff: 'seatless' };

/** Guards implemented today; every other guard must refuse with guard_unavailable. */
const IMPLEMENTED_GUARDS = new Set(['note_from_staff']);

let t: TestApp;
const users = {} as Record<CallerName, TestUser>;
const tokens = {} as Record<CallerName, string>;
let committeeId: string;
let counter = 0;

async function newCase(status: CaseStatus, options: { committee?: string | null } = {}): Promise<string> {
  counter += 1;
  const [row] = await t.database.db
    .insert(applications)
    .values({
      reference: `MOI-2026-${String(counter).padStart(6, '0')}`,
      ministry: 'interior',
      channel: 'link',
      status,
      holdFrom: status === 'on_hold' ? 'screening' : null,
      applicantUserId: users.owner.id,
      committeeId: options.committee === undefined ? committeeId : options.committee,
    })
    .returning({ id: applications.id });
  return row!.id;
}

async function act(who: CallerName, id: string, action: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url: `/applications/${id}/actions/${action}`, headers: { ...bearer(tokens[who]), ...headers }, payload: body });
}

async function statusOf(id: string) {
  const [row] = await t.database.db.select({ status: applications.status, version: applications.version, holdFrom: applications.holdFrom }).from(applications).where(eq(applications.id, id));
  return row!;
}

function expectedAllowed(from: CaseStatus, caller: Caller): CaseAction[] {
  return transitionRows()
    .filter((row) => row.from === from && row.rule.who.some((who) => (caller.satisfies as readonly Who[]).includes(who)))
    .map((row) => row.action);
}

/** What the satisfying caller sends: staff acting on the officer's word give a note. */
function bodyFor(rule: Transition): Record<string, unknown> {
  const body: Record<string, unknown> = { note: 'on the officer’s word, by telephone' };
  if (typeof rule.to === 'object') body.outcome = 'full';
  return body;
}

function targetOf(rule: Transition, holdFrom: CaseStatus): CaseStatus {
  if (rule.to === 'held_status') return holdFrom;
  if (typeof rule.to === 'object') return rule.to.outcome.full;
  return rule.to;
}

beforeAll(async () => {
  t = await createTestApp();
  for (const name of CALLER_NAMES) {
    const { role, ministry } = CALLERS[name];
    users[name] = await createUser(t, { role, ministry });
    tokens[name] = await tokenFor(t, users[name]);
  }
  const committee = await createCommittee(t, { ministry: 'interior', members: [{ userId: users.member.id }, { userId: users.chair.id, chair: true }] });
  committeeId = committee.id;
  // The seatless member sits on another committee of the same ministry: that gives no right on this case.
  await createCommittee(t, { ministry: 'interior', members: [{ userId: users.seatless.id, chair: true }] });
  await createCommittee(t, { ministry: 'defense', members: [{ userId: users.defenseMember.id, chair: true }] });
});
afterAll(() => t.close());

const rows = transitionRows();
const cases = rows.flatMap((row) => row.rule.who.map((who) => ({ ...row, who })));

describe('the transition table', () => {
  it('has a row for every action API.md routes through /actions, and none from a terminal status', () => {
    const actions = new Set(rows.map((r) => r.action));
    for (const action of ['screen', 'merge', 'withdraw', 'appeal', 'reopen', 'uphold', 'decline']) expect(actions).toContain(action);
    expect(rows.filter((r) => r.from === 'withdrawn' || r.from === 'merged')).toEqual([]);
    expect(rows.length).toBeGreaterThan(30);
  });
});

describe.each(cases)('$from → $action by $who', ({ from, action, rule, who }) => {
  const actor = CALLER_FOR[who];
  const missingGuard = rule.guards.find((g) => !IMPLEMENTED_GUARDS.has(g));

  it(`refuses every caller who is not ${who}: 409 with their allowed actions, 404 out of scope, 403 without the permission`, async () => {
    const id = await newCase(from);
    for (const name of CALLER_NAMES) {
      const caller: Caller = CALLERS[name];
      if (rule.who.some((w) => (caller.satisfies as readonly Who[]).includes(w))) continue;
      const res = await act(name, id, action, bodyFor(rule));
      const label = `${name} → ${res.statusCode} ${res.body}`;
      if (!caller.acts) expect(res.statusCode, label).toBe(403);
      else if (!caller.visible) {
        expect(res.statusCode, label).toBe(404);
        expect(res.json<{ code: string }>().code).toBe('application.not_found');
      } else {
        expect(res.statusCode, label).toBe(409);
        expect(res.json(), label).toMatchObject({ code: 'transition.not_allowed', allowedActions: expectedAllowed(from, caller) });
      }
    }
    expect((await statusOf(id)).status).toBe(from);
  });

  it(`answers 412 to ${who} acting on a stale version, in the body or If-Match`, async () => {
    const id = await newCase(from);
    expect((await act(actor, id, action, { ...bodyFor(rule), version: 7 })).statusCode).toBe(412);
    expect((await act(actor, id, action, bodyFor(rule), { 'if-match': '"7"' })).statusCode).toBe(412);
    expect(await statusOf(id)).toMatchObject({ status: from, version: 1 });
  });

  if (missingGuard) {
    it(`refuses ${who} with guard_unavailable (${missingGuard}): an unimplemented guard never passes`, async () => {
      const id = await newCase(from);
      const res = await act(actor, id, action, { ...bodyFor(rule), version: 1 });
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json()).toMatchObject({ code: 'transition.guard_unavailable', guard: missingGuard });
      expect(await statusOf(id)).toMatchObject({ status: from, version: 1 });
    });
  } else {
    it(`lets ${who} ${action}: the status moves, the version goes up, one case.${action} entry records it`, async () => {
      const id = await newCase(from);
      const res = await act(actor, id, action, { ...bodyFor(rule), version: 1 });
      expect(res.statusCode, res.body).toBe(200);
      const to = targetOf(rule, 'screening');
      expect(res.headers.etag).toBe('"2"');
      expect(await statusOf(id)).toMatchObject({ status: to, version: 2, holdFrom: to === 'on_hold' ? from : null });
      const entries = await t.database.db
        .select({ entityType: auditLog.entityType, canonical: auditLog.canonical, actorId: auditLog.actorId })
        .from(auditLog)
        .where(and(eq(auditLog.action, `case.${action}`), eq(auditLog.entityId, id)));
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ entityType: 'application', actorId: users[actor].id });
      expect(JSON.parse(entries[0]!.canonical)).toMatchObject({ changes: { status: { before: from, after: to } } });
    });
  }
});

describe('screen', () => {
  it('moves a submitted case to screening for a member and answers the allowed actions from there', async () => {
    const id = await newCase('submitted');
    const res = await act('member', id, 'screen');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id, status: 'screening', version: 2, allowedActions: expectedAllowed('screening', CALLERS.member) });
    const again = await act('member', id, 'screen');
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'transition.not_allowed', allowedActions: expectedAllowed('screening', CALLERS.member) });
  });

  it('is nobody’s on a case not yet given to a committee (never an arbitrary committee of the ministry)', async () => {
    const id = await newCase('submitted', { committee: null });
    for (const name of ['member', 'chair', 'seatless'] as const) {
      const res = await act(name, id, 'screen');
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'transition.not_allowed', allowedActions: [] });
    }
    expect((await statusOf(id)).status).toBe('submitted');
  });

  it('of N concurrent screens exactly one wins, the others get 409, and one entry is written', async () => {
    const id = await newCase('submitted');
    const results = await Promise.all(Array.from({ length: 8 }, () => act('member', id, 'screen')));
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    for (const res of results.filter((r) => r.statusCode === 409)) expect(res.json<{ code: string }>().code).toBe('transition.not_allowed');
    const entries = await t.database.db.select({ seq: auditLog.seq }).from(auditLog).where(and(eq(auditLog.action, 'case.screen'), eq(auditLog.entityId, id)));
    expect(entries).toHaveLength(1);
    expect(await statusOf(id)).toMatchObject({ status: 'screening', version: 2 });
  });

  it('of concurrent screens naming the same version, the losers get 412', async () => {
    const id = await newCase('submitted');
    const results = await Promise.all(Array.from({ length: 4 }, () => act('member', id, 'screen', { version: 1 })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 412, 412, 412]);
  });
});

describe('withdraw', () => {
  it('lets the applicant withdraw their own case without a note', async () => {
    const id = await newCase('screening');
    const res = await act('owner', id, 'withdraw');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'withdrawn', allowedActions: [] });
  });

  it('needs a note from ministry staff, and keeps it only as a keyed hash', async () => {
    const id = await newCase('submitted');
    const without = await act('staff', id, 'withdraw');
    expect(without.statusCode).toBe(400);
    expect(without.json()).toMatchObject({ code: 'transition.note_required', errors: [{ path: '/note' }] });
    const note = `the officer phoned ${randomBytes(4).toString('hex')}`;
    const res = await act('staff', id, 'withdraw', { note });
    expect(res.statusCode, res.body).toBe(200);
    const entries = await t.database.db.select({ canonical: auditLog.canonical }).from(auditLog).where(and(eq(auditLog.action, 'case.withdraw'), eq(auditLog.entityId, id)));
    expect(entries).toHaveLength(1);
    expect(JSON.stringify(entries)).not.toContain(note);
  });

  it('is final: nothing can be done to a withdrawn case', async () => {
    const id = await newCase('withdrawn');
    const res = await act('owner', id, 'withdraw');
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ allowedActions: [] });
  });
});

describe('out of scope', () => {
  it('answers another ministry’s case exactly like a missing one, and audits the refusal once', async () => {
    const id = await newCase('submitted');
    const res = await act('defenseMember', id, 'screen');
    const missing = await act('defenseMember', '00000000-0000-4000-8000-000000000001', 'screen');
    expect(res.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    const comparable = (body: Record<string, unknown>) => ({ ...body, requestId: null, instance: null });
    expect(comparable(res.json())).toEqual(comparable(missing.json()));
    const refused = await t.database.db
      .select({ outcome: auditLog.outcome, actorId: auditLog.actorId, canonical: auditLog.canonical })
      .from(auditLog)
      .where(and(eq(auditLog.action, 'access.refused'), eq(auditLog.entityId, id)));
    expect(refused).toEqual([expect.objectContaining({ outcome: 'denied', actorId: users.defenseMember.id })]);
    expect(JSON.parse(refused[0]!.canonical)).toMatchObject({ ministry: 'interior', details: { permission: 'applications:act' } });
  });

  it('never tells the applicant that their case is on hold (DESIGN §3: they see it as under review)', async () => {
    const id = await newCase('on_hold');
    const refused = await act('owner', id, 'appeal');
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ allowedActions: ['withdraw'] });
    expect(refused.body).not.toMatch(/hold|flag/);
  });

  it('rejects unknown actions and fields with 400', async () => {
    const id = await newCase('submitted');
    expect((await act('member', id, 'approve')).statusCode).toBe(400);
    expect((await act('member', id, 'screen', { colour: 'red' })).statusCode).toBe(400);
  });
});
