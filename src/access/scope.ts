import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import type { Actor } from './actor.js';
import { forbidden, notFound } from '../http/errors.js';
import { registerMessages } from '../http/i18n.js';
import { committeeMembers, committees } from '../db/schema.js';

registerMessages({
  'committee.not_member': {
    en: 'Only members of the committee in charge may do this.',
    ar: 'لا يقوم بهذا إلا أعضاء اللجنة المختصة.',
  },
  'committee.not_chair': { en: 'Only the chair of the committee may do this.', ar: 'لا يقوم بهذا إلا رئيس اللجنة.' },
});

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
  if (!canSeeMinistry(actor, ministry)) throw notFound(entity);
}

/** The ministry a staff member writes into (their own); null for roles that never write ministry records. */
export function ownMinistry(actor: Pick<Actor, 'role' | 'ministry'>): string | null {
  return actor.role === 'committee_member' || actor.role === 'ministry_staff' ? actor.ministry : null;
}

/** A case `applicantUserId` owns is visible to its applicant only; staff go through the ministry rule. */
export function isOwnCase(actor: Pick<Actor, 'role' | 'id'>, applicantUserId: string | null): boolean {
  return actor.role === 'applicant' && applicantUserId !== null && applicantUserId === actor.id;
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
  if (actor.role === 'applicant') {
    if (!isOwnCase(actor, record.applicantUserId)) throw notFound(entity);
    return;
  }
  if (actor.role === 'admin') throw notFound(entity);
  assertMinistryVisible(actor, record.ministry, entity);
}

export interface Membership {
  committeeId: string;
  ministry: string;
  chair: boolean;
}

/** Committees the user belongs to, with the chair flag. */
export async function membershipsOf(db: Db, userId: string): Promise<Membership[]> {
  return db
    .select({ committeeId: committeeMembers.committeeId, ministry: committees.ministry, chair: committeeMembers.chair })
    .from(committeeMembers)
    .innerJoin(committees, eq(committees.id, committeeMembers.committeeId))
    .where(eq(committeeMembers.userId, userId));
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
 * A case without a committee yet may be worked by any member of a committee of its ministry.
 * The caller has already checked that the case is visible (same ministry), so this is a 403.
 */
export async function assertCommitteeMember(
  db: Db,
  actor: Pick<Actor, 'role' | 'id' | 'ministry'>,
  record: { ministry: string; committeeId: string | null },
): Promise<Membership> {
  if (actor.role !== 'committee_member' || actor.ministry !== record.ministry) throw forbidden('committee.not_member');
  if (record.committeeId) {
    const membership = await membershipOf(db, actor.id, record.committeeId);
    if (!membership) throw forbidden('committee.not_member');
    return membership;
  }
  const memberships = (await membershipsOf(db, actor.id)).filter((m) => m.ministry === record.ministry);
  const first = memberships.find((m) => m.chair) ?? memberships[0];
  if (!first) throw forbidden('committee.not_member');
  return first;
}

/** Chair-only actions (decisions, flag resolution, proposals): chair of the case's committee or, without one, of a committee of the ministry. */
export async function assertChair(
  db: Db,
  actor: Pick<Actor, 'role' | 'id' | 'ministry'>,
  record: { ministry: string; committeeId: string | null },
): Promise<Membership> {
  if (actor.role !== 'committee_member' || actor.ministry !== record.ministry) throw forbidden('committee.not_chair');
  if (record.committeeId) {
    const membership = await membershipOf(db, actor.id, record.committeeId);
    if (!membership?.chair) throw forbidden('committee.not_chair');
    return membership;
  }
  const chair = (await membershipsOf(db, actor.id)).find((m) => m.ministry === record.ministry && m.chair);
  if (!chair) throw forbidden('committee.not_chair');
  return chair;
}
