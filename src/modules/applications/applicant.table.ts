import { boolean, date, index, integer, pgTable, primaryKey, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';
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
    index('applicants_name_ar_idx').on(t.nameArFolded),
  ],
);

/**
 * Probable duplicates recorded when a case comes in: the earlier cases sharing a key with it and which
 * keys matched. Kept for the committee (Intake II grades and shows them); never merged automatically.
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
    /** Which keys matched: `national_id`, `service_number`, `email`. */
    matchedOn: text().array().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.applicationId, t.candidateId] }), index('duplicate_candidates_candidate_idx').on(t.candidateId)],
);

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
