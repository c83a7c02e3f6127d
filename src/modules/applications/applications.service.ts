import type { Access } from '../../access/access.js';
import type { Db } from '../../db/client.js';
import type { Actor } from '../../access/actor.js';
import { entityHistory } from '../audit/audit.query.js';
import type { ReadRecorder } from '../audit/audit.reads.js';
import type { AuditContext } from '../audit/audit.writer.js';
import { CASE_ENTITY } from './applications.state.js';

/**
 * A case's audit trail, oldest first: in full for staff and auditors of its ministry, redacted for
 * its applicant (own events, status only, no staff identities). Reading it is itself recorded.
 */
export async function caseHistory(args: {
  db: Db;
  access: Access<AuditContext>;
  reads: ReadRecorder;
  actor: Actor;
  context: AuditContext;
  id: string;
  limit: number;
  cursor?: string | undefined;
}) {
  const { actor, context, id } = args;
  await args.access.requireAccess({ actor, permission: 'applications:history', ids: [id], context });
  const view = args.actor.role === 'applicant' ? ({ kind: 'owner', ownerId: args.actor.id } as const) : ({ kind: 'full' } as const);
  const page = await entityHistory({ db: args.db, entityType: CASE_ENTITY, entityId: id, view, limit: args.limit, cursor: args.cursor });
  await args.reads.record(context, { entityType: CASE_ENTITY, entityId: id, details: { view: view.kind === 'owner' ? 'history_owner' : 'history' } });
  return page;
}
