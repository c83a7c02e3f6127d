import { bigint, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The append-only, hash-chained audit log. `canonical` is the exact RFC 8785 text that was hashed;
 * the other columns are copies of its fields for querying, and verify checks they agree with it.
 * Triggers (migrations/*_audit_append_only.sql) refuse UPDATE, DELETE and TRUNCATE.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    seq: bigint({ mode: 'number' }).primaryKey(),
    at: timestamp({ withTimezone: true, mode: 'string' }).notNull(),
    actorId: uuid(),
    actorRole: text(),
    action: text().notNull(),
    entityType: text().notNull(),
    entityId: text(),
    caseId: uuid(),
    ministry: text(),
    outcome: text().notNull(),
    requestId: text(),
    canonical: text().notNull(),
    prevHash: text().notNull(),
    hash: text().notNull().unique(),
  },
  (t) => [
    index('audit_log_entity_idx').on(t.entityType, t.entityId, t.seq),
    index('audit_log_actor_idx').on(t.actorId, t.seq),
    index('audit_log_action_idx').on(t.action, t.seq),
    index('audit_log_at_idx').on(t.at),
    index('audit_log_case_idx').on(t.caseId, t.seq),
    index('audit_log_ministry_idx').on(t.ministry, t.seq),
  ],
);

/** One row (id = 1): the chain head, locked FOR UPDATE by every append so appends are serialized. */
export const auditHead = pgTable('audit_head', {
  id: integer().primaryKey(),
  seq: bigint({ mode: 'number' }).notNull(),
  hash: text().notNull(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** Signed chain heads: an auditor can take one out of the system and later prove the log still extends it. */
export const auditCheckpoints = pgTable('audit_checkpoints', {
  seq: bigint({ mode: 'number' }).primaryKey(),
  hash: text().notNull(),
  signedAt: timestamp({ withTimezone: true, mode: 'string' }).notNull(),
  keyId: text().notNull(),
  /** Base64 Ed25519 signature over `audit-checkpoint/v1|<seq>|<hash>|<signedAt>`. */
  signature: text().notNull(),
  verifiedAt: timestamp({ withTimezone: true }),
  verifiedBy: uuid(),
});
