import type { Access } from '../../access/access.js';
import type { Actor } from '../../access/actor.js';
import type { Db } from '../../db/client.js';
import type { AuditTrail } from '../audit/audit.js';
import { caseHistory as auditedCaseHistory } from '../audit/audit.query.js';
import type { AuditContext } from '../audit/audit.writer.js';
import { forbidden } from '../../http/http.errors.js';
import type { ApplicantInput } from './applicant.fields.js';
import { insertCase } from './applications.intake.js';
import { CASE_ENTITY } from './applications.state.js';

/**
 * A case's audit trail, oldest first: in full for staff and auditors of its ministry, redacted for
 * its applicant (own events, status only, no staff identities). Reading it is itself recorded.
 */
export async function caseHistory(args: {
  db: Db;
  audit: Pick<AuditTrail, 'read'>;
  access: Access<AuditContext>;
  actor: Actor;
  context: AuditContext;
  id: string;
  limit: number;
  cursor?: string | undefined;
}) {
  const { actor, context, id } = args;
  const facts = (await args.access.requireAccess({ actor, permission: 'applications:history', ids: [id], context })).get(id);
  if (!facts) throw new Error('requireAccess returned no record');
  const view = args.actor.role === 'applicant' ? ({ kind: 'owner', ownerId: args.actor.id } as const) : ({ kind: 'full' } as const);
  const page = await auditedCaseHistory({ db: args.db, caseId: id, view, limit: args.limit, cursor: args.cursor });
  await args.audit.read(context, { entityType: CASE_ENTITY, entityId: id, caseId: id, ministry: facts.ministry, details: { view: view.kind === 'owner' ? 'history_owner' : 'history' } });
  return page;
}

/** Walk-in entry (DESIGN §2): staff enter an officer in their own ministry; no account yet. */
export async function createWalkIn(args: { db: Db; audit: Pick<AuditTrail, 'inTransaction'>; actor: Actor; context: AuditContext; applicant: ApplicantInput }) {
  const ministry = args.actor.ministry;
  if (args.actor.role !== 'ministry_staff' || !ministry) throw forbidden();
  return args.audit.inTransaction(args.db, args.context, async (tx, record) => {
    const created = await insertCase(tx, { ministry, channel: 'walk_in', applicant: args.applicant });
    await record([
      {
        action: 'application.created',
        entityType: CASE_ENTITY,
        entityId: created.id,
        caseId: created.id,
        ministry,
        details: { status: 'submitted', channel: 'walk_in', reference: created.reference, duplicateCandidates: created.duplicateCandidates },
      },
    ]);
    return { id: created.id, reference: created.reference, ministry, status: 'submitted' as const, channel: 'walk_in' as const, version: 1 };
  });
}
