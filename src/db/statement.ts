import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Db } from './client.js';

/** Renders statements as the databases do (src/db/client.ts: snake_case), once per statement. */
const dialect = new PgDialect({ casing: 'snake_case' });

const names = new Set<string>();

export interface Statement<Row> {
  /** The rows of one execution on `db` (the pool, a session or a transaction), with `values` for its placeholders. */
  rows(db: Db, values?: Record<string, unknown>): Promise<Row[]>;
}

/**
 * A hot statement written once with `sql.placeholder`s and run on whatever `db` the caller holds,
 * transactions included: its text is rendered on first use only (not rebuilt at every call, as a
 * query builder is), and it runs as the named prepared statement `name`, which each PostgreSQL
 * connection parses once and, once it has seen a few executions, stops planning. Names must be
 * unique across the program; rows come back as the driver gives them (column aliases as written,
 * timestamps and dates as text), as `queryRows` gives them.
 */
export function statement<Row>(name: string, query: SQL): Statement<Row> {
  // Two texts under one name would fail on every connection that prepared the other one first.
  if (names.has(name)) throw new Error(`two statements are named ${name}`);
  names.add(name);
  let rendered: { sql: string; params: unknown[] } | undefined;
  return {
    async rows(db, values = {}) {
      rendered ??= dialect.sqlToQuery(query);
      const result: unknown = await db._.session.prepareQuery(rendered, undefined, name, false).execute(values);
      return (result as { rows: Row[] }).rows;
    },
  };
}

/**
 * A query builder's prepared query (`.prepare(name)`), built once per handle it runs on: for the
 * pool, once for the life of the program. For builder queries whose rows drizzle maps (typed
 * columns, dates); a prepared builder query is bound to its handle, so one run in a transaction
 * takes `statement` instead.
 */
export function preparedPerDb<Q>(build: (db: Db) => Q): (db: Db) => Q {
  const built = new WeakMap<Db, Q>();
  return (db) => {
    let query = built.get(db);
    if (query === undefined) {
      query = build(db);
      built.set(db, query);
    }
    return query;
  };
}
