import { bigint, boolean, check, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

export const ministries = pgTable('ministries', {
  code: text().primaryKey(),
  nameAr: text().notNull(),
  nameEn: text().notNull(),
  /** Prefix of case references: MOI-2025-000123. */
  referencePrefix: text().notNull().unique(),
});

export const ranks = pgTable('ranks', {
  code: text().primaryKey(),
  /** 1 = most junior. */
  order: integer().notNull().unique(),
  category: text({ enum: ['enlisted', 'nco', 'officer'] }).notNull(),
  nameAr: text().notNull(),
  nameEn: text().notNull(),
});

export const specializations = pgTable('specializations', {
  code: text().primaryKey(),
  nameAr: text().notNull(),
  nameEn: text().notNull(),
  /** Ministries whose cases and vacancies use this specialization. */
  ministries: text().array().notNull(),
  order: integer().notNull().unique(),
});

/** Symmetric: both directions are stored, so matching looks up one side only. */
export const specializationRelations = pgTable(
  'specialization_relations',
  {
    code: text()
      .notNull()
      .references(() => specializations.code),
    relatedCode: text()
      .notNull()
      .references(() => specializations.code),
  },
  (t) => [primaryKey({ columns: [t.code, t.relatedCode] }), check('specialization_relations_not_self', sql`${t.code} <> ${t.relatedCode}`)],
);

export const governorates = pgTable('governorates', {
  code: text().primaryKey(),
  order: integer().notNull().unique(),
  nameAr: text().notNull(),
  nameEn: text().notNull(),
});

/**
 * One row whose `version` grows with every change to the tables above (statement triggers, so the
 * seed and any hand-made change alike): instances keep the reference data in memory and reload it
 * when this number moves.
 */
export const referenceVersion = pgTable(
  'reference_version',
  {
    id: boolean().primaryKey().default(true),
    version: bigint({ mode: 'number' }).notNull().default(1),
  },
  (t) => [check('reference_version_single_row', sql`${t.id}`)],
);

/**
 * The short bilingual code lists (API.md "Reference endpoints"): countries, branches, separation
 * kinds, degrees, document kinds, decision reasons, flag kinds — one table, keyed by list and code.
 */
export const codeLists = pgTable(
  'code_lists',
  {
    list: text().notNull(),
    code: text().notNull(),
    order: integer().notNull(),
    nameAr: text().notNull(),
    nameEn: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.list, t.code] })],
);

/**
 * The consent text applicants accept, versioned: a registration stores the version it accepted; the
 * current one is the most recently published, and older ones stay readable.
 */
export const consentTexts = pgTable('consent_texts', {
  version: text().primaryKey(),
  textAr: text().notNull(),
  textEn: text().notNull(),
  publishedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
