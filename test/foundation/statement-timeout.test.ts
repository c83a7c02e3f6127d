import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, extendStatementTimeout, queryRows, type Database } from '../../src/db/client.js';
import { createTestApp, type TestApp } from '../harness.js';

/**
 * A statement is cut at DB_STATEMENT_TIMEOUT_MS on the server and a second later on the client; a
 * transaction that is long by design (a batch import) raises both for itself only.
 */
let t: TestApp;
let database: Database;
beforeAll(async () => {
  t = await createTestApp();
  if (t.url) database = createDatabase({ kind: 'pg', url: t.url, poolMax: 1, statementTimeoutMs: 300 });
});
afterAll(async () => {
  await database?.close();
  await t.close();
});

const sleep = (db: Parameters<typeof queryRows>[0], seconds: number) => queryRows(db, sql`select pg_sleep(${seconds})`);

/** The driver's message under drizzle's "Failed query" wrapper. */
async function failure(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? cause.message : String(error);
  }
  return 'no error';
}

describe.skipIf(!inject('testServerUrl'))('extendStatementTimeout', () => {
  it('lets one transaction’s statements run past both limits, and the connection has its limits back afterwards', async () => {
    // The client cuts first when the server's limit is raised alone (its read timeout is 1.3 s here).
    expect(await failure(database.db.transaction(async (tx) => {
      await tx.execute(sql`select set_config('statement_timeout', '5000', true)`);
      await sleep(tx, 2.5);
    }))).toMatch(/read timeout/i);
    expect(await failure(sleep(database.db, 0.6))).toMatch(/statement timeout/i);

    await database.db.transaction(async (tx) => {
      await extendStatementTimeout(tx, 5_000);
      await sleep(tx, 2.5);
    });
    // The same (only) connection, back in the pool: both limits are the usual ones again.
    expect(await failure(sleep(database.db, 0.6))).toMatch(/statement timeout/i);
    expect(await failure(database.db.transaction(async (tx) => {
      await tx.execute(sql`select set_config('statement_timeout', '5000', true)`);
      await sleep(tx, 2.5);
    }))).toMatch(/read timeout/i);
  });
});
