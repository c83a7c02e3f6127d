import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { applications } from '../applications/applications.table.js';
import { ministries } from '../reference/reference.table.js';
import { users } from '../users/users.table.js';

/**
 * A registration link a ministry publishes (API.md "Registration links"). Its status is derived from
 * these columns and the clock, never stored. `registrationsCount` is incremented under the row's lock
 * in the transaction that creates the case, so a cap holds exactly however many arrive at once.
 */
export const registrationLinks = pgTable(
  'registration_links',
  {
    id: uuid().primaryKey().defaultRandom(),
    /** 32 random bytes, base64url: the last part of the published URL. */
    token: text().notNull().unique(),
    ministry: text()
      .notNull()
      .references(() => ministries.code),
    label: text().notNull(),
    opensAt: timestamp({ withTimezone: true }),
    closesAt: timestamp({ withTimezone: true }),
    maxRegistrations: integer(),
    registrationsCount: integer().notNull().default(0),
    revokedAt: timestamp({ withTimezone: true }),
    createdBy: uuid()
      .notNull()
      .references(() => users.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('registration_links_ministry_idx').on(t.ministry, t.createdAt),
    check('registration_links_cap', sql`${t.maxRegistrations} IS NULL OR ${t.registrationsCount} <= ${t.maxRegistrations}`),
    check('registration_links_window', sql`${t.opensAt} IS NULL OR ${t.closesAt} IS NULL OR ${t.opensAt} < ${t.closesAt}`),
  ],
);

/** Which link a case came through (channel `link`). */
export const linkRegistrations = pgTable(
  'link_registrations',
  {
    applicationId: uuid()
      .primaryKey()
      .references(() => applications.id, { onDelete: 'cascade' }),
    linkId: uuid()
      .notNull()
      .references(() => registrationLinks.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('link_registrations_link_idx').on(t.linkId)],
);
