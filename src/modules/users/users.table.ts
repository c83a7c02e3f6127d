import { sql } from 'drizzle-orm';
import { boolean, check, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
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
    passwordHash: text().notNull(),
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
