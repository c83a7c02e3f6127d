import { boolean, index, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { ministries } from '../reference/reference.table.js';
import { users } from '../users/users.table.js';

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
