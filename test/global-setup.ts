import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { createDatabase } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { seedReference } from '../src/modules/reference/reference.seed.js';

/** The migrated, seeded database every test file clones (CREATE DATABASE … TEMPLATE). */
export const TEMPLATE_DATABASE = 'reintegration_test_template';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Server every test file clones its database on; absent when tests run on embedded PGlite. */
    testServerUrl: string | undefined;
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

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function prepareTemplate(serverUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  const database = createDatabase({ kind: 'pg', url: withDatabase(serverUrl, TEMPLATE_DATABASE), poolMax: 1, statementTimeoutMs: 60_000 });
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
  let stop = async () => {};
  if (!serverUrl && (await dockerAvailable())) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:15-alpine')
      .withCommand(['postgres', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'])
      .start();
    serverUrl = container.getConnectionUri();
    stop = async () => {
      await container.stop();
    };
  }
  if (serverUrl) await prepareTemplate(serverUrl);
  project.provide('testServerUrl', serverUrl);
  return stop;
}
