import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import type { Actor } from './actor.js';
import { notCommitteeChair, notCommitteeMember, notVisible } from './access.errors.js';
import { applications, committeeMembers, committees } from '../db/schema.js';

/**
 * Object-level access rules, in one place. The role check (may this role call this route at all)
 * is done by the auth hook from ROLE_PERMISSIONS; these decide which records a caller may touch.
 * A record the caller may not see answers 404, never 403, so its existence is not revealed.
 */

/** Ministries whose records `actor` may see: staff their own; auditors theirs or both (null = all); admins and applicants none. */
export function visibleMinistries(actor: Pick<Actor, 'role' | 'ministry'>): readonly string[] | 'all' {
  switch (actor.role) {
    case 'committee_member':
    case 'ministry_staff':
      return actor.ministry ? [actor.ministry] : [];
    case 'auditor':
      return actor.ministry ? [actor.ministry] : 'all';
    case 'admin':
    case 'applicant':
      return [];
  }
}

export function canSeeMinistry(actor: Pick<Actor, 'role' | 'ministry'>, ministry: string): boolean {
  const visible = visibleMinistries(actor);
  return visible === 'all' || visible.includes(ministry);
}

/** A staff/auditor read of a ministry's record: 404 outside the caller's scope. */
export function assertMinistryVisible(actor: Pick<Actor, 'role' | 'ministry'>, ministry: string, entity: string): void {
  if (!canSeeMinistry(actor, ministry)) throw notVisible(entity);
}

/** The ministry a staff member writes into (their own); null for roles that never write ministry records. */
export function ownMinistry(actor: Pick<Actor, 'role' | 'ministry'>): string | null {
  return actor.role === 'committee_member' || actor.role === 'ministry_staff' ? actor.ministry : null;
}

/**
 * Which cases a caller may see, as data, so the in-memory check (`canSeeCase`) and the SQL
 * predicate of lists (`caseVisibility`) cannot disagree: its applicant sees their own case; staff
 * (committee members and ministry staff) and auditors the cases of their ministry, auditors of both
 * ministries all; admins none (they are never staff for case content).
 */
export type CaseScope = { kind: 'none' } | { kind: 'all' } | { kind: 'ministry'; ministry: string } | { kind: 'owner'; userId: string };

export function caseScope(actor: Pick<Actor, 'role' | 'id' | 'ministry'>): CaseScope {
  if (actor.role === 'applicant') return { kind: 'owner', userId: actor.id };
  const visible = visibleMinistries(actor);
  if (visible === 'all') return { kind: 'all' };
  const [ministry] = visible;
  return ministry === undefined ? { kind: 'none' } : { kind: 'ministry', ministry };
}

export function canSeeCase(actor: Pick<Actor, 'role' | 'id' | 'ministry'>, record: { ministry: string; applicantUserId: string | null }): boolean {
  const scope = caseScope(actor);
  switch (scope.kind) {
    case 'none':
      return false;
    case 'all':
      return true;
    case 'ministry':
      return record.ministry === scope.ministry;
    case 'owner':
      return record.applicantUserId === scope.userId;
  }
}

/** The same rule as a predicate over the applications table: a list filtered by it returns only what the caller may see. */
export function caseVisibility(actor: Pick<Actor, 'role' | 'id' | 'ministry'>): SQL {
  const scope = caseScope(actor);
  switch (scope.kind) {
    case 'none':
      return sql`false`;
    case 'all':
      return sql`true`;
    case 'ministry':
      return eq(applications.ministry, scope.ministry);
    case 'owner':
      return eq(applications.applicantUserId, scope.userId);
  }
}

/**
 * `caseVisibility` as one text for every caller, the caller given as the placeholders of
 * `caseScopeValues`: for prepared statements (src/db/statement.ts), whose text cannot depend on who
 * calls. The same CaseScope decides both, and the access tests check each against `canSeeCase`.
 */
export const caseVisibilityPrepared: SQL = sql`(case ${sql.placeholder('scopeKind')}::text
  when 'all' then true
  when 'ministry' then ${applications.ministry} = ${sql.placeholder('scopeMinistry')}::text
  when 'owner' then ${applications.applicantUserId} = ${sql.placeholder('scopeUser')}::uuid
  else false end)`;

/** The placeholder values of `caseVisibilityPrepared` for `actor`. */
export function caseScopeValues(actor: Pick<Actor, 'role' | 'id' | 'ministry'>): { scopeKind: CaseScope['kind']; scopeMinistry: string | null; scopeUser: string | null } {
  const scope = caseScope(actor);
  return {
    scopeKind: scope.kind,
    scopeMinistry: scope.kind === 'ministry' ? scope.ministry : null,
    scopeUser: scope.kind === 'owner' ? scope.userId : null,
  };
}

/**
 * The one rule for reading a case: its applicant, or staff/auditors of its ministry. Anything else is
 * 404. Committee *work* on it additionally needs membership (assertCommitteeMember).
 */
export function assertCaseVisible(
  actor: Pick<Actor, 'role' | 'id' | 'ministry'>,
  record: { ministry: string; applicantUserId: string | null },
  entity = 'application',
): void {
  if (!canSeeCase(actor, record)) throw notVisible(entity);
}

export interface Membership {
  committeeId: string;
  ministry: string;
  chair: boolean;
}

export async function membershipOf(db: Db, userId: string, committeeId: string): Promise<Membership | null> {
  const [row] = await db
    .select({ committeeId: committeeMembers.committeeId, ministry: committees.ministry, chair: committeeMembers.chair })
    .from(committeeMembers)
    .innerJoin(committees, eq(committees.id, committeeMembers.committeeId))
    .where(and(eq(committeeMembers.userId, userId), eq(committeeMembers.committeeId, committeeId)));
  return row ?? null;
}

/**
 * Committee work on a case (screening, interviews, flags) needs membership of the case's committee.
 * A case not yet given to a committee has no members: nobody works it until it is routed (never an
 * arbitrary committee of the ministry). The caller has already checked that the case is visible
 * (same ministry), so this is a 403.
 */
export async function assertCommitteeMember(
  db: Db,
  actor: Pick<Actor, 'role' | 'id' | 'ministry'>,
  record: { ministry: string; committeeId: string | null },
): Promise<Membership> {
  if (actor.role !== 'committee_member' || actor.ministry !== record.ministry || !record.committeeId) throw notCommitteeMember();
  const membership = await membershipOf(db, actor.id, record.committeeId);
  if (!membership) throw notCommitteeMember();
  return membership;
}

/** Chair-only actions (decisions, flag resolution, proposals): chair of the case's committee; a case without one has no chair. */
export async function assertChair(
  db: Db,
  actor: Pick<Actor, 'role' | 'id' | 'ministry'>,
  record: { ministry: string; committeeId: string | null },
): Promise<Membership> {
  if (actor.role !== 'committee_member' || actor.ministry !== record.ministry || !record.committeeId) throw notCommitteeChair();
  const membership = await membershipOf(db, actor.id, record.committeeId);
  if (!membership?.chair) throw notCommitteeChair();
  return membership;
}
