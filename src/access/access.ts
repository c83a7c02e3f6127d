import { inArray, sql, type SQL } from 'drizzle-orm';
import { statement } from '../db/statement.js';
import type { Db } from '../db/client.js';
import { applications, committeeMembers } from '../db/schema.js';
import { forbidden } from '../http/http.errors.js';
import { applicationNotFound } from './access.errors.js';
import type { Actor } from './actor.js';
import { roleHas, type Permission } from './permissions.js';
import { caseScopeValues, caseVisibilityPrepared } from './scope.js';

/**
 * Object-level access in one place, in the manner of immich's `requireAccess`: a service names the
 * permission it exercises and the ids it touches, in bulk, and gets back the access facts of those
 * records, or one 404 for the lot if any of them is out of the caller's scope (never a 403, never a
 * difference between "does not exist" and "not yours"). The refusal is handed to `onRefused` (the
 * audit trail, wired in src/app.ts) here, once, so no service catches and records it itself.
 */

/** Permissions whose object is a case: checked against the case scope rule (src/access/scope.ts). */
export const CASE_PERMISSIONS = [
  'applications:read',
  'applications:update',
  'applications:act',
  'applications:history',
  'applications:duplicates',
  'documents:upload',
  'documents:read',
] as const satisfies readonly Permission[];
export type CasePermission = (typeof CASE_PERMISSIONS)[number];

export type CaseStatusValue = (typeof applications.$inferSelect)['status'];

/** The caller's seat on a case's committee. */
export interface CommitteeSeat {
  chair: boolean;
  /**
   * Recused from this case (DESIGN §3: never on its panel, never decides, resolves or reviews it).
   * Always false until recusals are recorded; the transition rules already read it.
   */
  recused: boolean;
}

/** What the rules need to know about a case the caller may see. */
export interface CaseAccess {
  id: string;
  reference: string;
  ministry: string;
  status: CaseStatusValue;
  version: number;
  committeeId: string | null;
  applicantUserId: string | null;
  /** The status a case on hold left (null otherwise). */
  holdFrom: CaseStatusValue | null;
  /** The caller's seat on the case's committee: null when the case has no committee or the caller holds no seat on it. */
  seat: CommitteeSeat | null;
}

/** One record the caller asked for and may not see (or that does not exist: `ministry` null). */
export interface RefusedRecord {
  entityType: 'application';
  id: string;
  ministry: string | null;
}

export interface Refusal<C> {
  actor: Actor;
  permission: Permission;
  context: C;
  records: RefusedRecord[];
}

export interface AccessRequest<C> {
  actor: Actor;
  permission: CasePermission;
  ids: readonly string[];
  /** Passed to `onRefused` as given (who asked, from where). */
  context: C;
}

export interface Access<C> {
  /** The access facts of every id, or one 404 (recorded through `onRefused`) if any is out of scope. */
  requireAccess(request: AccessRequest<C>): Promise<Map<string, CaseAccess>>;
}

type AccessRow = Omit<CaseAccess, 'seat'> & { seatChair: boolean | null };

/** Read on every request that touches a case: one prepared text whoever calls (the caller's scope as values). */
function accessFactsWhere(idMatches: SQL) {
  return sql`select ${applications.id} as "id", ${applications.reference} as "reference", ${applications.ministry} as "ministry",
        ${applications.status} as "status", ${applications.version} as "version", ${applications.committeeId} as "committeeId",
        ${applications.applicantUserId} as "applicantUserId", ${applications.holdFrom} as "holdFrom", ${committeeMembers.chair} as "seatChair"
      from ${applications}
      left join ${committeeMembers} on ${committeeMembers.committeeId} = ${applications.committeeId} and ${committeeMembers.userId} = ${sql.placeholder('actorId')}::uuid
      where ${idMatches} and ${caseVisibilityPrepared}`;
}
// One case (nearly every request) apart from many: with `= any(array)` the planner cannot know the
// array's length, prices its generic plan above a custom one and so plans every execution again.
const accessFactsOne = statement<AccessRow>('case_access_facts_one', accessFactsWhere(sql`${applications.id} = ${sql.placeholder('id')}::uuid`));
const accessFactsMany = statement<AccessRow>('case_access_facts', accessFactsWhere(sql`${applications.id} = any(${sql.placeholder('ids')}::uuid[])`));

/**
 * Access facts of the cases among `ids` that `actor` may see (the others are simply absent). Runs on
 * whatever handle it is given, so a transaction can re-read them; refusals are `requireAccess`'s job.
 */
export async function caseAccessFacts(db: Db, actor: Actor, ids: readonly string[]): Promise<Map<string, CaseAccess>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const caller = { actorId: actor.id, ...caseScopeValues(actor) };
  const rows = unique.length === 1 ? await accessFactsOne.rows(db, { id: unique[0], ...caller }) : await accessFactsMany.rows(db, { ids: unique, ...caller });
  return new Map(
    rows.map(({ seatChair, ...row }) => [row.id, { ...row, seat: seatChair === null ? null : { chair: seatChair, recused: false } }]),
  );
}

export function createAccess<C>(options: { db: Db; onRefused: (refusal: Refusal<C>) => Promise<void> }): Access<C> {
  return {
    async requireAccess({ actor, permission, ids, context }) {
      // The route's hook has already checked the role; a service asking for more is a programming error.
      if (!roleHas(actor.role, permission)) throw forbidden();
      const facts = await caseAccessFacts(options.db, actor, ids);
      const refused = [...new Set(ids)].filter((id) => !facts.has(id));
      if (refused.length === 0) return facts;
      // The refused records' ministry (null: no such record), so a scoped auditor sees attempts on their ministry's cases.
      const known = await options.db
        .select({ id: applications.id, ministry: applications.ministry })
        .from(applications)
        .where(inArray(applications.id, refused));
      const ministryOf = new Map(known.map((row) => [row.id, row.ministry]));
      await options.onRefused({
        actor,
        permission,
        context,
        records: refused.map((id) => ({ entityType: 'application', id, ministry: ministryOf.get(id) ?? null })),
      });
      throw applicationNotFound();
    },
  };
}
