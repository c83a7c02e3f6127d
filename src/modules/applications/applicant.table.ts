import { bigint, boolean, check, date, index, integer, jsonb, pgTable, primaryKey, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { ministries } from '../reference/reference.table.js';
import { applications } from './applications.table.js';

/**
 * The applicant's personal data, one row per case (DESIGN §4). Values are stored as validated
 * (src/modules/applications/applicant.fields.ts: cleaned, ASCII digits, E.164 phone); the folded forms
 * beside them are what duplicate detection compares. There is no column for religion, sect or ethnicity.
 */
export const applicants = pgTable(
  'applicants',
  {
    applicationId: uuid()
      .primaryKey()
      .references(() => applications.id, { onDelete: 'cascade' }),
    fullNameAr: text().notNull(),
    fullNameLatin: text(),
    motherNameAr: text(),
    birthDate: date({ mode: 'string' }).notNull(),
    birthPlace: text(),
    sex: text({ enum: ['male', 'female'] }).notNull(),
    nationalId: text(),
    serviceNumber: text(),
    phone: text(),
    email: text(),
    residenceCountry: text(),
    residenceCity: text(),
    insideSyria: boolean(),
    branch: text().notNull(),
    rank: text().notNull(),
    /** The first is the primary one. */
    specializations: text().array().notNull(),
    educationDegree: text(),
    educationField: text(),
    separationKind: text().notNull(),
    separationDate: date({ mode: 'string' }),
    lastUnit: text(),
    yearsOfService: smallint(),
    preferredGovernorates: text().array().notNull().default([]),
    /** Folded for comparison (DESIGN §7). */
    nameArFolded: text().notNull(),
    nameLatinFolded: text(),
    /** Lower-cased, for exact comparison (emails need not be unique). */
    emailFolded: text(),
    /**
     * The version of the folds and duplicate rules this row's folded forms and duplicate pairs were
     * computed under (DEDUP_VERSION in applications.duplicates.ts); older rows are folded and flagged
     * again at start-up.
     */
    dedupVersion: smallint().notNull().default(1),
    /** Lower-cased education field, what the `educationField` filter compares. */
    educationFieldFolded: text(),
    /** Consent to the consent text of this version, and when (link registrations). */
    consentVersion: text(),
    consentedAt: timestamp({ withTimezone: true }),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('applicants_national_id_idx').on(t.nationalId),
    index('applicants_service_number_idx').on(t.serviceNumber),
    index('applicants_email_idx').on(t.emailFolded),
    // Duplicate detection (applications.duplicates.ts): similar Arabic names within a birth window are
    // found through one GiST index on both (btree_gist + pg_trgm), which visits only the cases born in
    // the window; equal folded Latin names within the window through the btree.
    index('applicants_birth_name_ar_trgm_idx').using('gist', t.birthDate, t.nameArFolded.op('gist_trgm_ops')),
    index('applicants_name_latin_birth_idx').on(t.nameLatinFolded, t.birthDate),
    // The name search of GET /applications (`q`): names by word similarity, whatever the birth date.
    index('applicants_name_ar_trgm_idx').using('gin', t.nameArFolded.op('gin_trgm_ops')),
    index('applicants_name_latin_trgm_idx').using('gin', t.nameLatinFolded.op('gin_trgm_ops')),
  ],
);

/** The grades of DESIGN §7. */
export const DUPLICATE_GRADES = ['likely', 'possible'] as const;
export type DuplicateGrade = (typeof DUPLICATE_GRADES)[number];

/** One field that matched and how (names are always compared in their folded forms). */
export interface DuplicateEvidence {
  field: 'nationalId' | 'serviceNumber' | 'fullNameAr' | 'fullNameLatin' | 'birthDate' | 'email';
  how: 'equal' | 'similar' | 'within_one_year';
  /** Trigram similarity of the folded Arabic names (`how: similar`). */
  similarity?: number;
}

/**
 * Probable duplicates (DESIGN §7), flagged when a case comes in or its identity is corrected
 * (applications.duplicates.ts): one row per pair, the lower id first (`application_id <
 * candidate_id`), with the grade and the evidence; a case's candidates are the other side of the rows
 * that name it on either side (each side has its index). Kept for the committee; never merged
 * automatically.
 */
export const duplicateCandidates = pgTable(
  'duplicate_candidates',
  {
    applicationId: uuid()
      .notNull()
      .references(() => applications.id, { onDelete: 'cascade' }),
    candidateId: uuid()
      .notNull()
      .references(() => applications.id, { onDelete: 'cascade' }),
    grade: text({ enum: DUPLICATE_GRADES }).notNull(),
    /** Which fields matched and how: DuplicateEvidence[]. */
    evidence: jsonb().$type<DuplicateEvidence[]>().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.applicationId, t.candidateId] }),
    index('duplicate_candidates_candidate_idx').on(t.candidateId),
    check('duplicate_candidates_grade', sql`${t.grade} in ('likely', 'possible')`),
    check('duplicate_candidates_one_per_pair', sql`${t.applicationId} < ${t.candidateId}`),
  ],
);

/**
 * The flagging turn (applications.duplicates.ts): every flagging increments its one row and holds the
 * row lock until commit, so flaggings take turns, numbered in the order they commit.
 */
export const duplicateFlagging = pgTable(
  'duplicate_flagging',
  {
    id: smallint().primaryKey(),
    seq: bigint({ mode: 'number' }).notNull(),
  },
  (t) => [check('duplicate_flagging_one_row', sql`${t.id} = 1`)],
);

/**
 * Which cases each turn flagged, by its number: a search made outside the turn (a batch import's)
 * catches up with the turns committed while it ran. Kept an hour (`pruneFlagLog`).
 */
export const duplicateFlagLog = pgTable('duplicate_flag_log', {
  seq: bigint({ mode: 'number' }).primaryKey(),
  applicationIds: uuid().array().notNull(),
  at: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/**
 * The last case number given per ministry and year: a reference is taken by incrementing this row in
 * the transaction that creates the case, so numbers never repeat and a rolled-back case leaves no gap.
 */
export const caseReferenceCounters = pgTable(
  'case_reference_counters',
  {
    ministry: text()
      .notNull()
      .references(() => ministries.code),
    year: integer().notNull(),
    last: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.ministry, t.year] })],
);

export type ApplicantRow = typeof applicants.$inferSelect;
