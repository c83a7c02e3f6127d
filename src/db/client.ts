import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { sql, type SQL } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { mkdirSync } from 'node:fs';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import * as schema from './schema.js';

export type Schema = typeof schema;
/** One type for both drivers; a transaction is a Db too. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  kind: 'pg' | 'pglite';
  db: Db;
  /** Runs `fn` on one dedicated connection (advisory locks are per session). */
  withSession<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Rows of a raw statement, on either driver. */
export async function queryRows<T>(db: Db, statement: SQL): Promise<T[]> {
  const result: unknown = await db.execute(statement);
  return (result as { rows: T[] }).rows;
}

type DatabaseOptions = Config['database'] | { kind: 'pglite-memory' };

/** A connection's settings as node-postgres keeps them: its read timeout is looked up at every query. */
type ClientWithParameters = pg.Client & { connectionParameters: { query_timeout?: number } };
/** The read timeout a connection had before `extendStatementTimeout`, restored when the pool gets it back. */
const usualReadTimeout = new WeakMap<pg.Client, number | undefined>();

/**
 * Lets the statements of the caller's transaction run up to `ms` (DB_STATEMENT_TIMEOUT_MS otherwise):
 * on the server (`statement_timeout`, for this transaction only) and on the client, whose read
 * timeout would cut a statement a second after the usual limit; the pool restores that when the
 * connection comes back. For the few transactions that are long by design (a batch import).
 */
export async function extendStatementTimeout(tx: Db, ms: number): Promise<void> {
  await tx.execute(sql`select set_config('statement_timeout', ${String(ms)}, true)`);
  // A transaction on the pool runs on one checked-out client (drizzle's node-postgres session).
  const client = (tx._.session as unknown as { client?: unknown }).client;
  if (!(client instanceof pg.Client)) return;
  const parameters = (client as ClientWithParameters).connectionParameters;
  if (!usualReadTimeout.has(client)) usualReadTimeout.set(client, parameters.query_timeout);
  parameters.query_timeout = ms + 1_000;
}

export function createDatabase(options: DatabaseOptions, log?: Pick<Logger, 'error' | 'warn'>): Database {
  if (options.kind === 'pg') return createPgDatabase(options, log);
  let client: PGlite;
  if (options.kind === 'pglite') {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    client = new PGlite(options.dataDir, { extensions: { pg_trgm, btree_gist } });
  } else {
    client = new PGlite({ extensions: { pg_trgm, btree_gist } });
  }
  const db = drizzlePglite({ client, schema, casing: 'snake_case' }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    // PGlite has a single connection: every call already shares one session.
    withSession: (fn) => fn(db),
    close: () => client.close(),
  };
}

function createPgDatabase(options: Extract<Config['database'], { kind: 'pg' }>, log?: Pick<Logger, 'error' | 'warn'>): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    // pg waits forever for a connection by default; a saturated pool must fail fast instead (the
    // problem handler answers 503 with Retry-After: src/http/db-errors.ts).
    connectionTimeoutMillis: options.acquireTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs,
    query_timeout: options.statementTimeoutMs + 1_000,
    idle_in_transaction_session_timeout: options.statementTimeoutMs * 2,
    application_name: 'reintegration-cases',
  });
  // A database restart must not kill the process: errors on idle and checked-out clients are logged.
  pool.on('error', (err) => log?.error({ err }, 'idle database client failed'));
  pool.on('connect', (client) => {
    client.on('error', (err) => log?.error({ err }, 'database client failed'));
  });
  pool.on('release', (_err, client) => {
    if (!usualReadTimeout.has(client)) return;
    (client as unknown as ClientWithParameters).connectionParameters.query_timeout = usualReadTimeout.get(client);
    usualReadTimeout.delete(client);
  });
  const db = drizzlePg({ client: pool, schema, casing: 'snake_case' }) as unknown as Db;
  return {
    kind: 'pg',
    db,
    async withSession(fn) {
      const client = await pool.connect();
      try {
        return await fn(drizzlePg({ client, schema, casing: 'snake_case' }));
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
