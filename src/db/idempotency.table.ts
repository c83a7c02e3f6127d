import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Idempotency-Key store (src/http/idempotency.ts): one row per key, scoped to the route and the
 * caller (the actor's id, or '' on public routes). Holds a keyed hash of the request and the
 * outcome (status and ids), never the body or tokens.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    /** The route, e.g. `POST /register/:token`. */
    scope: text().notNull(),
    /** The actor's id; '' on public routes, where the key is scoped to the route alone. */
    caller: text().notNull(),
    key: text().notNull(),
    /** HMAC-SHA256 (IDEMPOTENCY_HMAC_KEY) of the canonical request, hex. */
    requestHash: text().notNull(),
    state: text({ enum: ['pending', 'done'] }).notNull(),
    /** Which attempt holds a pending key; a new one takes over once `lockedUntil` has passed. */
    owner: uuid(),
    lockedUntil: timestamp({ withTimezone: true }).notNull(),
    status: integer(),
    outcome: jsonb(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.caller, t.key] }), index('idempotency_keys_expires_idx').on(t.expiresAt)],
);
