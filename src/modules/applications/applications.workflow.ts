import { and, eq, sql } from 'drizzle-orm';
import { caseAccessFacts, type Access, type CaseAccess } from '../../access/access.js';
import type { Actor } from '../../access/actor.js';
import type { Db } from '../../db/client.js';
import { applicationNotFound } from '../../access/access.errors.js';
import { preconditionFailed } from '../../http/http.errors.js';
import type { AuditContext, AuditEvent, AuditWriter } from '../audit/audit.writer.js';
import { guardUnavailable, noteRequired, outcomeRequired, transitionNotAllowed } from './applications.errors.js';
import { CASE_ENTITY, type CaseStatus } from './applications.state.js';
import { applications } from './applications.table.js';
import {
  allowedActions,
  transitionFrom,
  type CaseAction,
  type DecisionOutcome,
  type GuardName,
  type Target,
  type Who,
} from './applications.transitions.js';

/**
 * The transition engine: the only code that changes a case's status. `transition()` checks the
 * table (applications.transitions.ts) and runs, in one transaction, the guarded update, the action's
 * side effects, its audit entry and the notification hook; anything else answers 409 with the
 * caller's allowed actions.
 */

export interface TransitionInput {
  action: CaseAction;
  /** The version the caller acted on (body `version` or `If-Match`): 412 if the case has moved on since. */
  expectedVersion?: number | undefined;
  /** Free text (personal: stored in the audit trail only as a keyed hash). */
  note?: string | undefined;
  /** Why (free text from the officer or staff: personal). */
  reason?: string | undefined;
  /** The appeal's statement (personal). */
  statement?: string | undefined;
  /** The case kept by a merge. */
  intoId?: string | undefined;
  outcome?: DecisionOutcome | undefined;
}

/** A status change that just committed (or is about to, with `tx`). */
export interface TransitionNotice {
  /** The transaction of the change: a notification written through it commits with the change, or not at all. */
  tx: Db;
  caseId: string;
  ministry: string;
  applicantUserId: string | null;
  action: CaseAction;
  from: CaseStatus;
  to: CaseStatus;
  actor: { id: string; role: string };
}

/**
 * Told of every transition, inside its transaction. The notifications module plugs in here (an
 * outbox row per recipient); until it exists the app passes `noNotifications`.
 */
export type TransitionNotifier = (notice: TransitionNotice) => Promise<void>;
export const noNotifications: TransitionNotifier = async () => {};

interface RuleContext {
  actor: Actor;
  facts: CaseAccess;
  input: TransitionInput;
}

/**
 * Who may act, by the names the table uses. The case is already known to be visible to the caller
 * (same ministry, or their own). A recused member satisfies none of the committee rules; recusals
 * are not recorded yet, so `seat.recused` is always false (src/access/access.ts).
 */
const WHO_RULES: Record<Who, (c: Pick<RuleContext, 'actor' | 'facts'>) => boolean> = {
  member: ({ actor, facts }) => actor.role === 'committee_member' && facts.seat !== null && !facts.seat.recused,
  chair: ({ actor, facts }) => actor.role === 'committee_member' && facts.seat?.chair === true && !facts.seat.recused,
  // The panel itself is the `on_panel` guard's: a panel member is first a member of the committee.
  panel_member: ({ actor, facts }) => actor.role === 'committee_member' && facts.seat !== null && !facts.seat.recused,
  applicant: ({ actor, facts }) => actor.role === 'applicant' && facts.applicantUserId === actor.id,
  ministry_staff: ({ actor, facts }) => actor.role === 'ministry_staff' && actor.ministry === facts.ministry,
  staff: ({ actor, facts }) => (actor.role === 'committee_member' || actor.role === 'ministry_staff') && actor.ministry === facts.ministry,
};

/** The actions of the case's current status the caller may take (guards aside). */
export function allowedActionsFor(actor: Actor, facts: CaseAccess): CaseAction[] {
  return allowedActions(facts.status, (who) => WHO_RULES[who]({ actor, facts }));
}

type Guard = (c: RuleContext & { tx: Db }) => Promise<void> | void;

/**
 * Every guard the table names. `null`: its data does not exist yet (interviews, flags, decisions,
 * proposals), so the transition is refused with 409 `transition.guard_unavailable` rather than let
 * through; the issue that adds the data supplies the function.
 */
const GUARDS: Record<GuardName, Guard | null> = {
  note_from_staff: ({ actor, input }) => {
    if (actor.role !== 'applicant' && !input.note?.trim()) throw noteRequired();
  },
  on_panel: null,
  panel_ready: null,
  interview_recordable: null,
  no_open_flag: null,
  no_probable_duplicate: null,
  note_against_advisory: null,
  no_show_recorded: null,
  merge_target_valid: null,
  flag_opened: null,
  last_flag_resolved: null,
  appeal_window: null,
  not_the_decider: null,
  not_in_other_proposal: null,
  proposal_returned: null,
  proposal_approvable: null,
  decline_window: null,
  not_final: null,
};

type SideEffect = (c: RuleContext & { tx: Db; from: CaseStatus; to: CaseStatus }) => Promise<void>;

/**
 * What an action does besides moving the status, in the same transaction (freeing a seat on
 * decline, marking a proposal stale on withdrawal during `proposed`, ...). None exists yet: the
 * workflow issues add them with the tables they touch.
 */
const SIDE_EFFECTS: Partial<Record<CaseAction, SideEffect>> = {};

function resolveTarget(to: Target, facts: CaseAccess, input: TransitionInput): CaseStatus {
  if (to === 'held_status') {
    if (!facts.holdFrom) throw new Error(`case ${facts.id} is on hold without the status it left`);
    return facts.holdFrom;
  }
  if (typeof to === 'object') {
    if (!input.outcome) throw outcomeRequired();
    return to.outcome[input.outcome];
  }
  return to;
}

export interface TransitionResult {
  id: string;
  reference: string;
  status: CaseStatus;
  version: number;
  allowedActions: CaseAction[];
}

/**
 * Applies `input.action` to case `id` on behalf of `actor`. Out of scope: one 404 (audited by the
 * access layer). Stale `expectedVersion`: 412. An action the table does not give this caller from the
 * current status: 409 `transition.not_allowed` with `allowedActions`. The update is guarded by the
 * status and version read in the transaction, so of two concurrent transitions one wins and the
 * other gets the 409 (or the 412 when it named a version).
 */
export async function transition(args: {
  db: Db;
  audit: AuditWriter;
  access: Access<AuditContext>;
  notify: TransitionNotifier;
  actor: Actor;
  context: AuditContext;
  id: string;
  input: TransitionInput;
}): Promise<TransitionResult> {
  const { db, audit, access, notify, actor, context, id, input } = args;
  // Visibility first, outside the transaction: a refusal is group-committed to the audit trail,
  // which must not be awaited while holding a connection.
  await access.requireAccess({ actor, permission: 'applications:act', ids: [id], context });

  return audit.inTransaction(db, context, async (tx, record) => {
    const facts = (await caseAccessFacts(tx, actor, [id])).get(id);
    if (!facts) throw applicationNotFound();
    if (input.expectedVersion !== undefined && input.expectedVersion !== facts.version) throw preconditionFailed();
    const from = facts.status;
    const rule = transitionFrom(from, input.action);
    if (!rule?.who.some((who) => WHO_RULES[who]({ actor, facts }))) throw transitionNotAllowed(allowedActionsFor(actor, facts));
    for (const name of rule.guards) {
      const guard = GUARDS[name];
      if (!guard) throw guardUnavailable(name);
      await guard({ actor, facts, input, tx });
    }
    const to = resolveTarget(rule.to, facts, input);

    const [updated] = await tx
      .update(applications)
      .set({ status: to, holdFrom: to === 'on_hold' ? from : null, version: sql`${applications.version} + 1`, updatedAt: sql`now()` })
      .where(and(eq(applications.id, id), eq(applications.status, from), eq(applications.version, facts.version)))
      .returning({ version: applications.version });
    if (!updated) {
      // A concurrent change won. Answer for the case as it is now.
      if (input.expectedVersion !== undefined) throw preconditionFailed();
      const now = (await caseAccessFacts(tx, actor, [id])).get(id);
      throw transitionNotAllowed(now ? allowedActionsFor(actor, now) : []);
    }

    await SIDE_EFFECTS[input.action]?.({ actor, facts, input, tx, from, to });
    const personal: NonNullable<AuditEvent['personal']> = {};
    if (input.note) personal.note = { after: input.note };
    if (input.reason) personal.reason = { after: input.reason };
    if (input.statement) personal.statement = { after: input.statement };
    const details: Record<string, unknown> = {};
    if (input.outcome) details.outcome = input.outcome;
    if (input.intoId) details.intoId = input.intoId;
    await record([
      {
        action: `case.${input.action}`,
        entityType: CASE_ENTITY,
        entityId: id,
        caseId: id,
        ministry: facts.ministry,
        changes: { status: { before: from, after: to }, version: { before: facts.version, after: updated.version } },
        personal,
        details,
      },
    ]);
    await notify({ tx, caseId: id, ministry: facts.ministry, applicantUserId: facts.applicantUserId, action: input.action, from, to, actor: { id: actor.id, role: actor.role } });
    const after: CaseAccess = { ...facts, status: to, version: updated.version, holdFrom: to === 'on_hold' ? from : null };
    return { id, reference: facts.reference, status: to, version: updated.version, allowedActions: allowedActionsFor(actor, after) };
  });
}
