import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { AuditTx } from '../audit/audit.writer.js';
import { ministries } from '../reference/reference.table.js';
import { foldArabic, foldLatin, type ApplicantInput } from './applicant.fields.js';
import { applicants, caseReferenceCounters } from './applicant.table.js';
import { flagDuplicates } from './applications.duplicates.js';
import type { CaseChannel } from './applications.state.js';
import { applications } from './applications.table.js';

/**
 * The login email of an applicant account: generated, never shown. Officers sign in with their case
 * reference; the email they give is a contact, kept with the case, and need not be unique.
 */
export function applicantLogin(): string {
  return `applicant-${randomUUID()}@applicants.invalid`;
}

export interface NewCase {
  id: string;
  reference: string;
  /** How many cases are probable duplicates of this one (recorded in duplicate_candidates). */
  duplicateCandidates: number;
}

/**
 * The next reference of a ministry for a year: the counter row is incremented in the caller's
 * transaction, so concurrent cases wait on the row and a rolled-back case gives its number back.
 */
async function nextReference(tx: AuditTx, ministry: string, year: number): Promise<string> {
  // The prefix first: the counter's row lock is held until commit, so nothing else waits under it.
  const [prefix] = await tx.select({ prefix: ministries.referencePrefix }).from(ministries).where(eq(ministries.code, ministry));
  const [counter] = await tx
    .insert(caseReferenceCounters)
    .values({ ministry, year, last: 1 })
    .onConflictDoUpdate({ target: [caseReferenceCounters.ministry, caseReferenceCounters.year], set: { last: sql`${caseReferenceCounters.last} + 1` } })
    .returning({ last: caseReferenceCounters.last });
  if (!counter || !prefix) throw new Error(`no reference prefix for ministry ${ministry}`);
  return `${prefix.prefix}-${year}-${String(counter.last).padStart(6, '0')}`;
}

/** The columns an applicant's validated fields are stored in. */
export function applicantColumns(a: Partial<ApplicantInput>) {
  return {
    ...(a.fullNameAr !== undefined ? { fullNameAr: a.fullNameAr, nameArFolded: foldArabic(a.fullNameAr) } : {}),
    ...(a.fullNameLatin !== undefined ? { fullNameLatin: a.fullNameLatin, nameLatinFolded: foldLatin(a.fullNameLatin) } : {}),
    ...(a.motherNameAr !== undefined ? { motherNameAr: a.motherNameAr } : {}),
    ...(a.birthDate !== undefined ? { birthDate: a.birthDate } : {}),
    ...(a.birthPlace !== undefined ? { birthPlace: a.birthPlace } : {}),
    ...(a.sex !== undefined ? { sex: a.sex } : {}),
    ...(a.nationalId !== undefined ? { nationalId: a.nationalId } : {}),
    ...(a.serviceNumber !== undefined ? { serviceNumber: a.serviceNumber } : {}),
    ...(a.phone !== undefined ? { phone: a.phone } : {}),
    ...(a.email !== undefined ? { email: a.email, emailFolded: a.email.toLowerCase() } : {}),
    ...(a.residenceCountry !== undefined ? { residenceCountry: a.residenceCountry } : {}),
    ...(a.residenceCity !== undefined ? { residenceCity: a.residenceCity } : {}),
    ...(a.insideSyria !== undefined ? { insideSyria: a.insideSyria } : {}),
    ...(a.branch !== undefined ? { branch: a.branch } : {}),
    ...(a.rank !== undefined ? { rank: a.rank } : {}),
    ...(a.specializations !== undefined ? { specializations: a.specializations } : {}),
    ...(a.education !== undefined
      ? { educationDegree: a.education.degree, educationField: a.education.field ?? null, educationFieldFolded: a.education.field?.toLowerCase() ?? null }
      : {}),
    ...(a.separationKind !== undefined ? { separationKind: a.separationKind } : {}),
    ...(a.separationDate !== undefined ? { separationDate: a.separationDate } : {}),
    ...(a.lastUnit !== undefined ? { lastUnit: a.lastUnit } : {}),
    ...(a.yearsOfService !== undefined ? { yearsOfService: a.yearsOfService } : {}),
    ...(a.preferredGovernorates !== undefined ? { preferredGovernorates: a.preferredGovernorates } : {}),
  };
}

/**
 * Creates a case with its applicant inside the caller's (audited) transaction: the reference, the
 * case row, the applicant row and its probable duplicates flagged (applications.duplicates.ts). The
 * caller records the audit entry; its answer never depends on the duplicates (no enumeration).
 */
export async function insertCase(
  tx: AuditTx,
  input: {
    ministry: string;
    channel: CaseChannel;
    applicant: ApplicantInput;
    applicantUserId?: string | null;
    consentVersion?: string;
    /** The import batch (`channel: batch_import`). */
    importBatchId?: string;
  },
): Promise<NewCase> {
  const year = new Date().getUTCFullYear();
  const reference = await nextReference(tx, input.ministry, year);
  const [row] = await tx
    .insert(applications)
    .values({
      reference,
      ministry: input.ministry,
      channel: input.channel,
      status: 'submitted',
      applicantUserId: input.applicantUserId ?? null,
      importBatchId: input.importBatchId ?? null,
    })
    .returning({ id: applications.id });
  if (!row) throw new Error('case insert returned nothing');
  const columns = applicantColumns(input.applicant);
  await tx.insert(applicants).values({
    ...columns,
    applicationId: row.id,
    fullNameAr: input.applicant.fullNameAr,
    nameArFolded: foldArabic(input.applicant.fullNameAr),
    birthDate: input.applicant.birthDate,
    sex: input.applicant.sex,
    branch: input.applicant.branch,
    rank: input.applicant.rank,
    specializations: input.applicant.specializations,
    separationKind: input.applicant.separationKind,
    ...(input.consentVersion ? { consentVersion: input.consentVersion, consentedAt: sql`now()` } : {}),
  });
  // Flaggings take turns until commit (applications.duplicates.ts), so cases written at the same
  // moment see each other.
  const flags = await flagDuplicates(tx, [row.id]);
  return { id: row.id, reference, duplicateCandidates: flags.pairs };
}
