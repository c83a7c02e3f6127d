import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { inject } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { createDatabase, type Database } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { seedReference } from '../src/modules/reference/reference.seed.js';
import { ephemeralSecrets, type Secrets } from '../src/secrets.js';
import { runOnServer, withDatabaseName } from '../src/db/server-admin.js';

export interface TestDatabase {
  database: Database;
  /** Connection URL when on a server (for raw superuser access in tests); undefined on PGlite. */
  url: string | undefined;
  drop(): Promise<void>;
}


/** A fresh database: cloned from the migrated template on a server, or a migrated in-memory PGlite. */
export async function createTestDatabase(options: { poolMax?: number; acquireTimeoutMs?: number } = {}): Promise<TestDatabase> {
  const serverUrl = inject('testServerUrl');
  if (!serverUrl) {
    const database = createDatabase({ kind: 'pglite-memory' });
    await migrate(database);
    await seedReference(database.db);
    return { database, url: undefined, drop: () => database.close() };
  }
  const name = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
  await runOnServer(serverUrl, `CREATE DATABASE ${name} TEMPLATE ${inject('testTemplate')}`);
  const url = withDatabaseName(serverUrl, name);
  // DB_POOL_MAX=1 runs the whole suite on a pool of one, as the embedded database always is.
  const poolMax = options.poolMax ?? (Number(process.env.DB_POOL_MAX) || 20);
  const database = createDatabase({ kind: 'pg', url, poolMax, statementTimeoutMs: 30_000, acquireTimeoutMs: options.acquireTimeoutMs });
  return {
    database,
    url,
    async drop() {
      await database.close();
      await runOnServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

export interface TestApp {
  app: App;
  database: Database;
  config: Config;
  secrets: Secrets;
  /** Connection URL of this file's database (server runs only). */
  url: string | undefined;
  /** Every log line the app wrote, raw. */
  logs: string[];
  close(): Promise<void>;
}

/** Test configuration: the production defaults, with `env` on top (as strings, like the environment). */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'info', STAFF_MFA: 'optional', ...env });
}

export interface TestAppOptions {
  /** Called before `app.ready()`, e.g. to register test-only routes (never test branches in src/). */
  configure?: (app: App) => void | Promise<void>;
  /** Connections in this app's pool (server runs only; the default is DB_POOL_MAX, else 20). */
  poolMax?: number;
}

/** An app on its own fresh database, for one test file. */
export async function createTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  // DB_ACQUIRE_TIMEOUT_MS in `env` applies to this app's pool, as it would in production.
  const testDb = await createTestDatabase({ poolMax: options.poolMax, acquireTimeoutMs: Number(env.DB_ACQUIRE_TIMEOUT_MS) || undefined });
  const config = testConfig(env);
  const secrets = ephemeralSecrets();
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString('utf8'));
      callback();
    },
  });
  const app = await buildApp({ config, database: testDb.database, secrets, logStream });
  await options.configure?.(app);
  await app.ready();
  return {
    app,
    database: testDb.database,
    config,
    secrets,
    url: testDb.url,
    logs,
    async close() {
      await app.close();
      await testDb.drop();
    },
  };
}
