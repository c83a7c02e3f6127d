import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
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

export const mfaRecoveryCodes = pgTable(
  'mfa_recovery_codes',
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text().notNull(),
    usedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index('mfa_recovery_codes_user_idx').on(t.userId)],
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

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid().primaryKey().defaultRandom(),
    familyId: uuid().notNull(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** SHA-256 of the opaque token; the token itself is never stored. */
    tokenHash: text().notNull().unique(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
    /** The second factor was verified when this family signed in; refreshed access tokens keep it. */
    mfa: boolean().notNull().default(false),
  },
  (t) => [index('refresh_tokens_family_idx').on(t.familyId), index('refresh_tokens_user_idx').on(t.userId)],
);

/**
 * Failed sign-in counters, keyed by `account:<lower email>` or `address:<ip>`. Keyed by the
 * email text rather than the user id, so unknown emails are throttled exactly like real ones.
 */
export const loginThrottle = pgTable('login_throttle', {
  key: text().primaryKey(),
  failures: integer().notNull().default(0),
  windowStartedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  lockedUntil: timestamp({ withTimezone: true }),
});

export const committees = pgTable(
  'committees',
  {
    id: uuid().primaryKey().defaultRandom(),
    ministry: text()
      .notNull()
      .references(() => ministries.code),
    name: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('committees_ministry_name_key').on(t.ministry, t.name)],
);

export const committeeMembers = pgTable(
  'committee_members',
  {
    committeeId: uuid()
      .notNull()
      .references(() => committees.id, { onDelete: 'cascade' }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    chair: boolean().notNull().default(false),
    addedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.committeeId, t.userId] }), index('committee_members_user_idx').on(t.userId)],
);
