import { randomBytes } from 'node:crypto';
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
