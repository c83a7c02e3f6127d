import { eq, sql } from 'drizzle-orm';
import type { Access } from '../../access/access.js';
import type { Actor } from '../../access/actor.js';
import type { Db } from '../../db/client.js';
import type { AuditTrail } from '../audit/audit.js';
import { caseHistory as auditedCaseHistory } from '../audit/audit.query.js';
import type { AuditContext } from '../audit/audit.writer.js';
import { forbidden } from '../../http/http.errors.js';
import type { ApplicantInput } from './applicant.fields.js';
import { applicantLogin, insertCase } from './applications.intake.js';
import { applicants } from './applicant.table.js';
import { applications } from './applications.table.js';
import { issueActivationCode } from '../users/activation.js';
import { createApplicantAccount } from '../users/users.service.js';
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

/**
 * Gives the officer of a case a way to sign in (DESIGN §2): creates the applicant account if the case
 * has none (walk-ins, imports) and issues a one-time activation code, redeemed at POST /auth/activate.
 * Also the way back for an officer who forgot the password or the reference: a new code voids the old
 * ones, and the answer names the reference. The password in force stays until the code is redeemed.
 */
export async function issueApplicantAccount(args: {
  db: Db;
  audit: Pick<AuditTrail, 'inTransaction'>;
  access: Access<AuditContext>;
  actor: Actor;
  context: AuditContext;
  id: string;
  ttlHours: number;
}) {
  const { actor, id } = args;
  if (actor.role !== 'ministry_staff') throw forbidden();
  const facts = (await args.access.requireAccess({ actor, permission: 'applications:read', ids: [id], context: args.context })).get(id);
  if (!facts) throw new Error('requireAccess returned no record');
  return args.audit.inTransaction(args.db, args.context, async (tx, record) => {
    const [current] = await tx
      .select({ applicantUserId: applications.applicantUserId, reference: applications.reference, ministry: applications.ministry })
      .from(applications)
      .where(eq(applications.id, id))
      .for('update');
    if (!current) throw new Error('case vanished under its lock');
    let userId = current.applicantUserId;
    const created = userId === null;
    if (userId === null) {
      const [person] = await tx.select({ fullNameAr: applicants.fullNameAr, fullNameLatin: applicants.fullNameLatin }).from(applicants).where(eq(applicants.applicationId, id));
      const user = await createApplicantAccount(
        tx,
        { email: applicantLogin(), name: person?.fullNameLatin ?? person?.fullNameAr ?? current.reference, ministry: current.ministry, passwordHash: null },
        record,
      );
      userId = user.id;
      await tx
        .update(applications)
        .set({ applicantUserId: userId, version: sql`${applications.version} + 1`, updatedAt: sql`now()` })
        .where(eq(applications.id, id));
    }
    const code = await issueActivationCode(tx, { userId, createdBy: actor.id, ttlHours: args.ttlHours });
    await record([
      {
        action: 'application.applicant_account_issued',
        entityType: CASE_ENTITY,
        entityId: id,
        caseId: id,
        ministry: current.ministry,
        details: { userId, accountCreated: created },
      },
    ]);
    return { applicationId: id, reference: current.reference, userId, accountCreated: created, ...code };
  });
}
