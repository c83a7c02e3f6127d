import { and, eq, sql } from 'drizzle-orm';
import type { Access } from '../../access/access.js';
import type { Actor } from '../../access/actor.js';
import type { Db } from '../../db/client.js';
import { preparedPerDb } from '../../db/statement.js';
import { assertVersion } from '../../http/preconditions.js';
import type { AuditTrail } from '../audit/audit.js';
import type { AuditContext } from '../audit/audit.writer.js';
import { IDENTITY_FIELDS, type ApplicantOutput, type ApplicantPatch } from './applicant.fields.js';
import { applicants, type ApplicantRow } from './applicant.table.js';
import { caseClosedForEdits, identityLocked, residenceInconsistent } from './applications.errors.js';
import { DUPLICATE_RULE_FIELDS, flagDuplicates } from './applications.duplicates.js';
import { applicantColumns } from './applications.columns.js';
import { CASE_ENTITY, CLOSED_STATUSES, type CaseStatus } from './applications.state.js';
import { applications } from './applications.table.js';
import { allowedActionsFor } from './applications.workflow.js';

export function applicantView(row: ApplicantRow): ApplicantOutput {
  return {
    fullNameAr: row.fullNameAr,
    fullNameLatin: row.fullNameLatin,
    motherNameAr: row.motherNameAr,
    birthDate: row.birthDate,
    birthPlace: row.birthPlace,
    sex: row.sex,
    nationalId: row.nationalId,
    serviceNumber: row.serviceNumber,
    phone: row.phone,
    email: row.email,
    residenceCountry: row.residenceCountry,
    residenceCity: row.residenceCity,
    insideSyria: row.insideSyria,
    branch: row.branch as ApplicantOutput['branch'],
    rank: row.rank as ApplicantOutput['rank'],
    specializations: row.specializations,
    education: row.educationDegree ? { degree: row.educationDegree as NonNullable<ApplicantOutput['education']>['degree'], ...(row.educationField ? { field: row.educationField } : {}) } : null,
    separationKind: row.separationKind as ApplicantOutput['separationKind'],
    separationDate: row.separationDate,
    lastUnit: row.lastUnit,
    yearsOfService: row.yearsOfService,
    preferredGovernorates: row.preferredGovernorates as ApplicantOutput['preferredGovernorates'],
  };
}

/** Every read of a whole case runs it: prepared, so neither its sixty columns' text is rebuilt nor, mostly, is it planned each time. */
const caseQuery = preparedPerDb((db) =>
  db.select().from(applications).innerJoin(applicants, eq(applicants.applicationId, applications.id)).where(eq(applications.id, sql.placeholder('id'))).prepare('load_case'),
);

async function loadCase(db: Db, id: string) {
  const [row] = await caseQuery(db).execute({ id });
  return row;
}

/** The status as the owner sees it: a hold is "under review" to them (DESIGN §3). */
function statusFor(actor: Actor, status: CaseStatus): CaseStatus | 'under_review' {
  return actor.role === 'applicant' && status === 'on_hold' ? 'under_review' : status;
}

/** The full case for its owner, staff and auditors of its ministry; anyone else gets the one 404. The read is recorded. */
export async function readCase(args: { db: Db; audit: Pick<AuditTrail, 'read'>; access: Access<AuditContext>; actor: Actor; context: AuditContext; id: string }) {
  const { actor, id } = args;
  const facts = (await args.access.requireAccess({ actor, permission: 'applications:read', ids: [id], context: args.context })).get(id);
  if (!facts) throw new Error('requireAccess returned no record');
  const row = await loadCase(args.db, id);
  if (!row) throw new Error('a visible case has no applicant row');
  await args.audit.read(args.context, { entityType: CASE_ENTITY, entityId: id, caseId: id, ministry: facts.ministry, details: { view: actor.role === 'applicant' ? 'case_owner' : 'case' } });
  const c = row.applications;
  return {
    id: c.id,
    reference: c.reference,
    ministry: c.ministry,
    status: statusFor(actor, c.status),
    channel: c.channel,
    version: c.version,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    applicant: applicantView(row.applicants),
    allowedActions: allowedActionsFor(actor, { ...facts, status: c.status, version: c.version }),
  };
}

/**
 * Corrections by the owner (or a committee member): contact and residence until the case is closed,
 * identity fields only while `submitted` (afterwards a change request, which arrives with the workflow).
 * Guarded by the version the caller read (If-Match), applied with `WHERE version = $expected`.
 */
export async function patchCase(args: {
  db: Db;
  audit: Pick<AuditTrail, 'inTransaction' | 'read'>;
  access: Access<AuditContext>;
  actor: Actor;
  context: AuditContext;
  id: string;
  expectedVersion: number;
  patch: ApplicantPatch;
}) {
  const { actor, id, patch } = args;
  const facts = (await args.access.requireAccess({ actor, permission: 'applications:update', ids: [id], context: args.context })).get(id);
  if (!facts) throw new Error('requireAccess returned no record');
  assertVersion(args.expectedVersion, facts.version);
  const fields = Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined);
  if (CLOSED_STATUSES.includes(facts.status)) throw caseClosedForEdits();
  const identity = fields.filter((f) => (IDENTITY_FIELDS as readonly string[]).includes(f));
  if (identity.length > 0 && facts.status !== 'submitted') throw identityLocked({ extensions: { fields: identity } });
  await args.audit.inTransaction(args.db, args.context, async (tx, record) => {
    const [current] = await tx.select().from(applicants).where(eq(applicants.applicationId, id)).for('update');
    if (!current) throw new Error('a visible case has no applicant row');
    // insideSyria and residenceCountry are checked together, against what is stored for the one not sent.
    const country = patch.residenceCountry ?? current.residenceCountry;
    const inside = patch.insideSyria ?? current.insideSyria;
    if (country !== null && inside !== null && inside !== (country === 'SY')) throw residenceInconsistent();
    const [updated] = await tx
      .update(applications)
      .set({ version: sql`${applications.version} + 1`, updatedAt: sql`now()` })
      .where(and(eq(applications.id, id), eq(applications.version, args.expectedVersion)))
      .returning({ version: applications.version });
    if (!updated) assertVersion(args.expectedVersion, -1);
    if (fields.length > 0) await tx.update(applicants).set({ ...applicantColumns(patch), updatedAt: sql`now()` }).where(eq(applicants.applicationId, id));
    // The case's probable duplicates follow its identity: its pairs are recomputed with the correction.
    if (fields.some((f) => (DUPLICATE_RULE_FIELDS as readonly string[]).includes(f))) await flagDuplicates(tx, [id]);
    const before = current as unknown as Record<string, unknown>;
    await record([
      {
        action: 'application.updated',
        entityType: CASE_ENTITY,
        entityId: id,
        caseId: id,
        ministry: facts.ministry,
        changes: { version: { before: args.expectedVersion, after: updated!.version } },
        personal: Object.fromEntries(fields.map((f) => [f, { before: before[f] ?? null, after: (patch as Record<string, unknown>)[f] }])),
        details: { fields },
      },
    ]);
  });
  return readCase({ ...args });
}
