import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** When each scheduled job last started, on any instance (src/db/jobs.ts). */
export const scheduledJobs = pgTable('scheduled_jobs', {
  name: text().primaryKey(),
  lastStartedAt: timestamp({ withTimezone: true }).notNull(),
});
