import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { ROLES } from '../../access/roles.js';
import { ministries } from '../reference/reference.table.js';

export const roleEnum = pgEnum('role', ROLES);

export const users = pgTable(
  'users',
  {
    id: uuid().primaryKey().defaultRandom(),
    email: text().notNull(),
    name: text().notNull(),
    role: roleEnum().notNull(),
    /** Null only for admins and for auditors scoped to both ministries. */
    ministry: text().references(() => ministries.code),
    /** Null until the person redeems an activation code and sets a password (or after an admin reset). */
    passwordHash: text(),
    active: boolean().notNull().default(true),
    /** TOTP secret, encrypted at rest (src/modules/auth/mfa.ts); null until enrolment starts. */
    mfaSecret: text(),
    mfaEnabled: boolean().notNull().default(false),
    /** Last TOTP time step accepted, so each code is usable once. */
    mfaLastStep: integer(),
    version: integer().notNull().default(1),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`),
    check(
      'users_ministry_by_role',
      sql`(${t.role} = 'admin' AND ${t.ministry} IS NULL) OR (${t.role} = 'auditor') OR (${t.role} <> 'admin' AND ${t.role} <> 'auditor' AND ${t.ministry} IS NOT NULL)`,
    ),
  ],
);

/**
 * One-time activation codes: an admin (or staff, for an officer's case) hands one over in person and
 * the person sets their own password with it. Stored as SHA-256 only (the codes carry 100 random
 * bits); short-lived and single use; issuing a new one voids the others.
 */
export const activationCodes = pgTable(
  'activation_codes',
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text().notNull().unique(),
    createdBy: uuid(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
    voidedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index('activation_codes_user_idx').on(t.userId)],
);

/** Resets of an account (a new activation code, or the second factor cleared): an auditor's needs a second admin. */
export const accountResets = pgTable(
  'account_resets',
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text({ enum: ['activation', 'mfa'] }).notNull(),
    requestedBy: uuid().notNull(),
    requestedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    confirmedBy: uuid(),
    confirmedAt: timestamp({ withTimezone: true }),
    /** Shown to the account's holder at their next sign-in, then marked seen. */
    seenAt: timestamp({ withTimezone: true }),
  },
  (t) => [index('account_resets_user_idx').on(t.userId)],
);

