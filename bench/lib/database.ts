import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { runOnServer, withDatabaseName } from '../../src/db/server-admin.js';


/** A fresh, empty database on the bench server (the service migrates and seeds it on start). */
export async function createBenchDatabase(serverUrl: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `bench_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await runOnServer(serverUrl, `CREATE DATABASE ${name}`);
  return {
    name,
    url: withDatabaseName(serverUrl, name),
    drop: () => runOnServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/**
 * CHECKPOINT before a measurement, as pgbench does: what ran before (earlier suites, a database's
 * creation, rows just added) is flushed now, not by the checkpointer during the rounds. False when
 * the user may not (it needs a superuser or pg_checkpoint): the suite says so in its row.
 */
export function checkpoint(client: pg.Client): Promise<boolean> {
  return client.query('checkpoint').then(
    () => true,
    () => false,
  );
}

/** What a row's reference text adds when `checkpoint` was refused. */
export const NO_CHECKPOINT = '; no CHECKPOINT before (not allowed to this user)';
