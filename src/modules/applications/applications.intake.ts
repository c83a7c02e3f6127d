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

/** The applicant columns that hold validated fields and their folded forms. */
export type ApplicantColumns = Partial<
  Pick<
    typeof applicants.$inferInsert,
    | 'fullNameAr'
    | 'nameArFolded'
    | 'fullNameLatin'
    | 'nameLatinFolded'
    | 'motherNameAr'
    | 'birthDate'
    | 'birthPlace'
    | 'sex'
    | 'nationalId'
    | 'serviceNumber'
    | 'phone'
    | 'email'
    | 'emailFolded'
    | 'residenceCountry'
    | 'residenceCity'
    | 'insideSyria'
    | 'branch'
    | 'rank'
    | 'specializations'
    | 'educationDegree'
    | 'educationField'
    | 'educationFieldFolded'
    | 'separationKind'
    | 'separationDate'
    | 'lastUnit'
    | 'yearsOfService'
    | 'preferredGovernorates'
  >
>;

/**
 * The columns an applicant's validated fields are stored in (only the fields given). Assigned one by
 * one rather than spread: bulk inserts run it for every row, and two dozen spreads cost five times more.
 */
export function applicantColumns(a: Partial<ApplicantInput>): ApplicantColumns {
  const c: ApplicantColumns = {};
  if (a.fullNameAr !== undefined) {
    c.fullNameAr = a.fullNameAr;
    c.nameArFolded = foldArabic(a.fullNameAr);
  }
  if (a.fullNameLatin !== undefined) {
    c.fullNameLatin = a.fullNameLatin;
    c.nameLatinFolded = foldLatin(a.fullNameLatin);
  }
  if (a.motherNameAr !== undefined) c.motherNameAr = a.motherNameAr;
  if (a.birthDate !== undefined) c.birthDate = a.birthDate;
  if (a.birthPlace !== undefined) c.birthPlace = a.birthPlace;
  if (a.sex !== undefined) c.sex = a.sex;
  if (a.nationalId !== undefined) c.nationalId = a.nationalId;
  if (a.serviceNumber !== undefined) c.serviceNumber = a.serviceNumber;
  if (a.phone !== undefined) c.phone = a.phone;
  if (a.email !== undefined) {
    c.email = a.email;
    c.emailFolded = a.email.toLowerCase();
  }
  if (a.residenceCountry !== undefined) c.residenceCountry = a.residenceCountry;
  if (a.residenceCity !== undefined) c.residenceCity = a.residenceCity;
  if (a.insideSyria !== undefined) c.insideSyria = a.insideSyria;
  if (a.branch !== undefined) c.branch = a.branch;
  if (a.rank !== undefined) c.rank = a.rank;
  if (a.specializations !== undefined) c.specializations = a.specializations;
  if (a.education !== undefined) {
    c.educationDegree = a.education.degree;
    c.educationField = a.education.field ?? null;
    c.educationFieldFolded = a.education.field?.toLowerCase() ?? null;
  }
  if (a.separationKind !== undefined) c.separationKind = a.separationKind;
  if (a.separationDate !== undefined) c.separationDate = a.separationDate;
  if (a.lastUnit !== undefined) c.lastUnit = a.lastUnit;
  if (a.yearsOfService !== undefined) c.yearsOfService = a.yearsOfService;
  if (a.preferredGovernorates !== undefined) c.preferredGovernorates = a.preferredGovernorates;
  return c;
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
