import { sql } from 'drizzle-orm';
import { check, index, integer, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { ministries } from '../reference/reference.table.js';
import { committees } from '../committees/committees.table.js';
import { users } from '../users/users.table.js';
import { CASE_CHANNELS, CASE_STATUSES } from './applications.state.js';

export const caseStatusEnum = pgEnum('case_status', CASE_STATUSES);
export const caseChannelEnum = pgEnum('case_channel', CASE_CHANNELS);

/**
 * One batch import (`POST /applications/import`): who brought it in, when, how many rows, and the
 * SHA-256 of the exact bytes received, so the file a committee handed over can be matched to the
 * cases it created. Only batches that were taken whole exist: a refused batch stores nothing.
 */
export const importBatches = pgTable('import_batches', {
  id: uuid().primaryKey().defaultRandom(),
  ministry: text()
    .notNull()
    .references(() => ministries.code),
  importedBy: uuid()
    .notNull()
    .references(() => users.id),
  format: text({ enum: ['csv', 'json'] }).notNull(),
  rows: integer().notNull(),
  duplicatesFlagged: integer().notNull(),
  sha256: text().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/**
 * A case: one officer's application to one ministry. The applicant's personal data, documents,
 * interviews and decisions hang off it (intake and committee modules).
 */
export const applications = pgTable(
  'applications',
  {
    id: uuid().primaryKey().defaultRandom(),
    /** Human reference: MOI-2025-000123 / MOD-…. */
    reference: text().notNull().unique(),
    ministry: text()
      .notNull()
      .references(() => ministries.code),
    status: caseStatusEnum().notNull().default('submitted'),
    /** While `on_hold`: the status the case left, where `release` returns it (DESIGN §3); null otherwise. */
    holdFrom: caseStatusEnum(),
    channel: caseChannelEnum().notNull(),
    /** The applicant's own account (null for walk-ins and imports until they claim it). */
    applicantUserId: uuid().references(() => users.id),
    committeeId: uuid().references(() => committees.id),
    /** The import batch the case came in with (`channel: batch_import`). */
    importBatchId: uuid().references(() => importBatches.id),
    version: integer().notNull().default(1),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('applications_ministry_status_idx').on(t.ministry, t.status),
    index('applications_applicant_idx').on(t.applicantUserId),
    index('applications_committee_idx').on(t.committeeId),
    index('applications_import_batch_idx').on(t.importBatchId),
    check('applications_batch', sql`(${t.channel} = 'batch_import') = (${t.importBatchId} IS NOT NULL)`),
    check('applications_hold_from', sql`(${t.status} = 'on_hold') = (${t.holdFrom} IS NOT NULL) AND ${t.holdFrom} IS DISTINCT FROM 'on_hold'`),
  ],
);
