import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { createDatabase } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { seedReference } from '../src/modules/reference/reference.seed.js';
import { runOnServer, withDatabaseName } from '../src/db/server-admin.js';

/**
 * The migrated, seeded database every test file clones (CREATE DATABASE … TEMPLATE). One per run
 * (suffixed with the runner's pid): runs sharing a server must not drop each other's template, and
 * a template cannot be cloned while another run is still migrating it.
 */
const TEMPLATE_PREFIX = 'reintegration_test_template';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Server every test file clones its database on; absent when tests run on embedded PGlite. */
    testServerUrl: string | undefined;
    /** This run's template database on that server. */
    testTemplate: string;
  }
}

async function dockerAvailable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}


function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function prepareTemplate(serverUrl: string, template: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    // Templates left by runs that were killed (their process is gone), and this run's own.
    const existing = await admin.query<{ datname: string }>('select datname from pg_database where datname like $1', [`${TEMPLATE_PREFIX}%`]);
    for (const { datname } of existing.rows) {
      const pid = Number(/_(\d+)$/.exec(datname)?.[1]);
      if (datname === template || !Number.isInteger(pid) || !pidAlive(pid)) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE ${template}`);
  } finally {
    await admin.end();
  }
  const database = createDatabase({ kind: 'pg', url: withDatabaseName(serverUrl, template), poolMax: 1, statementTimeoutMs: 60_000 });
  try {
    await migrate(database);
    await seedReference(database.db);
  } finally {
    await database.close();
  }
}

/**
 * Picks the PostgreSQL server for the run: DATABASE_URL when given, else a container through
 * testcontainers when Docker is there, else none (each file then uses embedded PGlite).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let serverUrl = process.env.DATABASE_URL;
  let stopContainer: (() => Promise<void>) | undefined;
  if (!serverUrl && (await dockerAvailable())) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:15-alpine')
      .withCommand(['postgres', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'])
      .start();
    serverUrl = container.getConnectionUri();
    stopContainer = async () => {
      await container.stop();
    };
  }
  const template = `${TEMPLATE_PREFIX}_${process.pid}`;
  if (serverUrl) await prepareTemplate(serverUrl, template);
  project.provide('testServerUrl', serverUrl);
  project.provide('testTemplate', template);
  return async () => {
    if (serverUrl && !stopContainer) {
      await runOnServer(serverUrl, `DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    }
    await stopContainer?.();
  };
}
