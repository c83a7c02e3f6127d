import { eq } from 'drizzle-orm';
import { assertCaseVisible } from '../../access/scope.js';
import type { Db } from '../../db/client.js';
import type { Actor } from '../../access/actor.js';
import { AppError, notFound } from '../../http/errors.js';
import { entityHistory } from '../audit/audit.query.js';
import type { ReadRecorder } from '../audit/audit.reads.js';
import type { AuditContext } from '../audit/audit.writer.js';
import { CASE_ENTITY } from './applications.state.js';
import { applications } from './applications.table.js';

/**
 * Loads a case the caller may see, or answers 404 — also when it exists but belongs to another
 * ministry or another applicant. Such refusals are audited (outcome `denied`), never revealed.
 */
export async function visibleCase(args: { db: Db; reads: ReadRecorder; actor: Actor; context: AuditContext; id: string }) {
  const [record] = await args.db
    .select({ id: applications.id, ministry: applications.ministry, applicantUserId: applications.applicantUserId, status: applications.status })
    .from(applications)
    .where(eq(applications.id, args.id));
  if (!record) throw notFound(CASE_ENTITY);
  try {
    assertCaseVisible(args.actor, record);
  } catch (error) {
    if (error instanceof AppError) {
      await args.reads.record(args.context, { action: 'access.denied', entityType: CASE_ENTITY, entityId: record.id, outcome: 'denied', details: { reason: 'out_of_scope' } });
    }
    throw error;
  }
  return record;
}

/**
 * A case's audit trail, oldest first: in full for staff and auditors of its ministry, redacted for
 * its applicant (own events, status only, no staff identities). Reading it is itself recorded.
 */
export async function caseHistory(args: {
  db: Db;
  reads: ReadRecorder;
  actor: Actor;
  context: AuditContext;
  id: string;
  limit: number;
  cursor?: string | undefined;
}) {
  const record = await visibleCase(args);
  const view = args.actor.role === 'applicant' ? ({ kind: 'owner', ownerId: args.actor.id } as const) : ({ kind: 'full' } as const);
  const page = await entityHistory({ db: args.db, entityType: CASE_ENTITY, entityId: record.id, view, limit: args.limit, cursor: args.cursor });
  await args.reads.record(args.context, { entityType: CASE_ENTITY, entityId: record.id, details: { view: view.kind === 'owner' ? 'history_owner' : 'history' } });
  return page;
}
