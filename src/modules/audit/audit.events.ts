import { z } from 'zod';
import type { AuditOutcome, FieldChange } from './audit.chain.js';

interface ActionSpec {
  entity: readonly string[];
  clear: readonly string[];
}

const CASE_CLEAR = ['status', 'reason', 'heldFrom', 'version', 'outcome', 'reasons', 'intoId', 'proposalId', 'interviewId', 'flagId'] as const;

function caseTransitions<const A extends readonly string[]>(actions: A): { [K in A[number] as `case.${K}`]: { entity: readonly ['application']; clear: typeof CASE_CLEAR } } {
  return Object.fromEntries(actions.map((action) => [`case.${action}`, { entity: ['application'], clear: CASE_CLEAR }])) as never;
}

/**
 * The closed catalogue of audit actions. Each names the entity type(s) it is about and which of its
 * fields are workflow data kept in clear; every other field of `changes` and `details` is treated as
 * personal and stored only as a keyed hash — by default, so a field nobody thought about never
 * lands in the immutable log in clear. An action not listed here does not compile.
 */
export const AUDIT_ACTIONS = {
  // Reads of a person's record, and refusals.
  read: { entity: ['application', 'audit_log', 'document', 'user'], clear: ['view', 'export', 'filters', 'part', 'candidates'] },
  'access.denied': { entity: ['route'], clear: ['route', 'method', 'status', 'reason'] },
  'access.refused': { entity: ['application', 'document', 'interview', 'flag', 'proposal', 'user', 'committee'], clear: ['reason', 'permission', 'ids'] },
  'access.denied_anonymous': { entity: ['client_address'], clear: ['minute', 'count', 'reasons', 'routes'] },
  // Sign-in and sessions.
  'auth.login': { entity: ['user'], clear: ['reason', 'secondFactor', 'sessionId'] },
  'auth.lockout': { entity: ['user', 'client_address'], clear: ['scope', 'failures', 'lockoutSeconds'] },
  'auth.logout': { entity: ['user'], clear: ['sessions', 'tokensRevoked'] },
  'auth.refresh': { entity: ['user'], clear: ['sessionId'] },
  'auth.refresh_reuse': { entity: ['user'], clear: ['sessionId', 'tokensRevoked'] },
  'auth.session_ended': { entity: ['user'], clear: ['sessionId', 'reason', 'tokensRevoked'] },
  'mfa.enrollment_started': { entity: ['user'], clear: [] },
  'mfa.enrolled': { entity: ['user'], clear: ['mfaEnabled', 'recoveryCodes'] },
  // Accounts and committees.
  'user.bootstrap_admin': { entity: ['user'], clear: ['role', 'active'] },
  'user.created': { entity: ['user'], clear: ['role', 'ministry', 'active'] },
  'user.updated': { entity: ['user'], clear: ['role', 'ministry', 'active', 'version', 'mfaEnabled', 'sessionsRevoked'] },
  'user.activation_issued': { entity: ['user'], clear: ['expiresAt'] },
  'user.activated': { entity: ['user'], clear: [] },
  'user.reset_requested': { entity: ['user'], clear: ['kind', 'resetId', 'needsSecondAdmin'] },
  'user.reset': { entity: ['user'], clear: ['kind', 'resetId', 'requestedBy', 'sessionsRevoked'] },
  'committee.created': { entity: ['committee'], clear: ['ministry', 'name'] },
  'committee.member_added': { entity: ['committee'], clear: ['member', 'chair', 'userId'] },
  'committee.member_updated': { entity: ['committee'], clear: ['member', 'chair', 'userId'] },
  'committee.member_removed': { entity: ['committee'], clear: ['member', 'chair', 'userId', 'reason'] },
  // The audit trail itself.
  'audit.verify': {
    entity: ['audit_log'],
    clear: ['via', 'mode', 'fromSeq', 'headSeq', 'checked', 'firstBadSeq', 'problem', 'externalCheckpointSeq', 'verifiedCheckpointSeq'],
  },
  'audit.query': { entity: ['audit_log'], clear: ['reason'] },
  // Intake.
  'registration_link.created': { entity: ['registration_link'], clear: ['label', 'opensAt', 'closesAt', 'maxRegistrations'] },
  'registration_link.revoked': { entity: ['registration_link'], clear: ['revokedAt'] },
  'application.registered': { entity: ['application'], clear: ['status', 'channel', 'reference', 'linkId', 'consentVersion', 'duplicateCandidates'] },
  'application.created': { entity: ['application'], clear: ['status', 'channel', 'reference', 'batchId', 'duplicateCandidates'] },
  'application.updated': { entity: ['application'], clear: ['version', 'fields'] },
  'application.committee_set': { entity: ['application'], clear: ['committeeId'] },
  'application.assignee_set': { entity: ['application'], clear: ['assigneeId'] },
  'application.applicant_account_issued': { entity: ['application'], clear: ['userId', 'accountCreated'] },
  'import.batch': { entity: ['import_batch'], clear: ['rows', 'created', 'duplicatesFlagged', 'sha256', 'format'] },
  'document.uploaded': { entity: ['document'], clear: ['kind', 'mediaType', 'size', 'sha256', 'declaredTypeMatched'] },
  'document.deleted': { entity: ['document'], clear: ['kind', 'erased'] },
  // Committee work.
  'recusal.set': { entity: ['application'], clear: ['userId'] },
  'recusal.withdrawn': { entity: ['application'], clear: ['userId'] },
  'interview.scheduled': { entity: ['interview'], clear: ['scheduledAt', 'durationMinutes', 'mode', 'panel', 'status'] },
  'interview.rescheduled': { entity: ['interview'], clear: ['scheduledAt', 'durationMinutes', 'mode', 'panel', 'status'] },
  'interview.cancelled': { entity: ['interview'], clear: ['status'] },
  'interview.no_show': { entity: ['interview'], clear: ['status'] },
  'interview.scorecard_set': { entity: ['interview'], clear: ['scores', 'memberId'] },
  'interview.recorded': { entity: ['interview'], clear: ['status', 'scores', 'recommendation', 'score'] },
  'flag.raised': { entity: ['flag'], clear: ['kind', 'severity', 'source', 'status'] },
  'flag.resolved': { entity: ['flag'], clear: ['resolution', 'status'] },
  'decision.recorded': { entity: ['decision'], clear: ['status', 'outcome', 'reasons', 'againstAdvisory'] },
  'notification.sent': { entity: ['application'], clear: ['kind', 'channel'] },
  // Matching.
  'department.created': { entity: ['department'], clear: ['code', 'nameAr', 'nameEn', 'parentId', 'governorate'] },
  'vacancy.created': { entity: ['vacancy'], clear: ['specializations', 'rankMin', 'rankMax', 'seats', 'roleType', 'priority', 'acceptsRequalification'] },
  'proposal.computed': { entity: ['proposal'], clear: ['status', 'mode', 'weights', 'placed', 'unplaced', 'totalFit', 'engineVersion'] },
  'proposal.placement_overridden': { entity: ['proposal'], clear: ['applicationId', 'vacancyId'] },
  'proposal.submitted': { entity: ['proposal'], clear: ['status'] },
  'proposal.approved': { entity: ['proposal'], clear: ['status', 'assignments'] },
  'proposal.returned': { entity: ['proposal'], clear: ['status'] },
  'proposal.recomputed': { entity: ['proposal'], clear: ['identical'] },
  // Cases (DESIGN §3): every transition writes `case.<action>` with the status change in clear.
  ...caseTransitions([
    'screen',
    'schedule',
    'reschedule',
    'cancel_interview',
    'no_show',
    'record',
    'decide',
    'merge',
    'hold',
    'release',
    'appeal',
    'reopen',
    'uphold',
    'propose',
    'return',
    'assign',
    'decline',
    'withdraw',
  ]),
} as const satisfies Record<string, ActionSpec>;

export type AuditAction = keyof typeof AUDIT_ACTIONS;
export const AUDIT_ACTION_NAMES = Object.keys(AUDIT_ACTIONS) as AuditAction[];

/** One audited fact. `changes` and `details` are classified by the action's catalogue entry. */
export interface AuditEvent {
  action: AuditAction;
  /** Defaults to the action's only entity type; required where the action has several. */
  entityType?: string;
  entityId?: string | null;
  /** The case the event concerns, so a case's history needs no joins. */
  caseId?: string | null;
  /** The ministry the event concerns, so a ministry-scoped auditor sees it. */
  ministry?: string | null;
  outcome?: AuditOutcome;
  /** Fields that changed, before/after: clear if the catalogue says so, else keyed hashes. */
  changes?: Record<string, FieldChange>;
  /** Personal fields that changed: always stored as keyed hashes, whatever the catalogue says. */
  personal?: Record<string, FieldChange>;
  /** Context (reason codes, counts, related ids): clear if the catalogue says so, else keyed hashes. */
  details?: Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const fieldName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/);
const jsonValue = z.unknown().refine((value) => {
  try {
    return value === undefined || JSON.stringify(value) !== undefined;
  } catch {
    return false;
  }
}, 'not JSON');

const change = z.strictObject({ before: jsonValue.optional(), after: jsonValue.optional() });

const eventSchema = z.strictObject({
  action: z.enum(AUDIT_ACTION_NAMES as [AuditAction, ...AuditAction[]]),
  entityType: z.string().min(1).max(50).optional(),
  entityId: z.string().min(1).max(200).nullable().optional(),
  caseId: z.string().regex(UUID).nullable().optional(),
  ministry: z.enum(['interior', 'defense']).nullable().optional(),
  outcome: z.enum(['success', 'failure', 'denied']).optional(),
  changes: z.record(fieldName, change).optional(),
  personal: z.record(fieldName, change).optional(),
  details: z.record(fieldName, jsonValue).optional(),
});

/** An event checked against the catalogue, with its entity type resolved. */
export interface CheckedEvent extends Omit<AuditEvent, 'entityType'> {
  entityType: string;
}

/** Checks an event against the catalogue: a wrong action, entity type or shape is a programming error. */
export function checkEvent(event: AuditEvent): CheckedEvent {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) throw new Error(`audit event ${String(event.action)} is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const spec: ActionSpec = AUDIT_ACTIONS[event.action];
  const entityType = event.entityType ?? (spec.entity.length === 1 ? spec.entity[0] : undefined);
  if (entityType === undefined || !spec.entity.includes(entityType)) {
    throw new Error(`audit event ${event.action} is about ${spec.entity.join(' or ')}, not ${String(event.entityType)}`);
  }
  return { ...event, entityType };
}

/** Whether `field` of `action` is workflow data kept in clear. */
export function isClear(action: AuditAction, field: string): boolean {
  const spec: ActionSpec = AUDIT_ACTIONS[action];
  return spec.clear.includes(field);
}
