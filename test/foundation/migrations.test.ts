import { is, sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createDatabase, queryRows, type Database } from '../../src/db/client.js';
import { isMigrated, migrate, MIGRATIONS_FOLDER } from '../../src/db/migrate.js';
import * as schema from '../../src/db/schema.js';
import { ephemeralSecrets } from '../../src/secrets.js';
import { testConfig } from '../harness.js';
import { runOnServer, withDatabaseName } from '../../src/db/server-admin.js';

interface Target {
  name: string;
  open(): Promise<{ database: Database; drop(): Promise<void> }>;
}



/** An empty database on the server (template0: nothing of ours in it), dropped afterwards. */
function emptyServerDatabase(serverUrl: string): Target['open'] {
  return async () => {
    const name = `m_${process.pid}_${randomBytes(4).toString('hex')}`;
    await runOnServer(serverUrl, `CREATE DATABASE ${name} TEMPLATE template0`);
    const database = createDatabase({ kind: 'pg', url: withDatabaseName(serverUrl, name), poolMax: 4, statementTimeoutMs: 30_000 });
    return {
      database,
      async drop() {
        await database.close();
        await runOnServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      },
    };
  };
}

const serverUrl = inject('testServerUrl');
const targets: Target[] = [
  {
    name: 'in-memory PGlite',
    open: async () => {
      const database = createDatabase({ kind: 'pglite-memory' });
      return { database, drop: () => database.close() };
    },
  },
  ...(serverUrl ? [{ name: 'empty PostgreSQL database', open: emptyServerDatabase(serverUrl) }] : []),
];

const schemaTables = (Object.values(schema) as unknown[])
  .filter((value): value is PgTable => is(value, PgTable))
  .map((table) => getTableConfig(table).name)
  .sort();
const journal = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });

interface MigrationRow {
  id: number;
  hash: string;
  created_at: string;
}

const appliedMigrations = (database: Database) =>
  queryRows<MigrationRow>(database.db, sql`select id, hash, created_at::text from drizzle.__drizzle_migrations order by id`);

async function ready(database: Database): Promise<{ status: number; body: string }> {
  const app = await buildApp({ config: testConfig({ LOG_LEVEL: 'silent' }), database, secrets: ephemeralSecrets() });
  try {
    const res = await app.inject({ method: 'GET', url: '/health/ready' });
    return { status: res.statusCode, body: res.body };
  } finally {
    await app.close();
  }
}

describe.each(targets)('migrations on $name', ({ open }) => {
  it('an empty database is not ready; migrate creates tables, triggers and the genesis head; ready after', async () => {
    const { database, drop } = await open();
    try {
      expect(await isMigrated(database)).toBe(false);
      const before = await ready(database);
      expect(before.status).toBe(503);
      expect(JSON.parse(before.body)).toMatchObject({ code: 'server.unavailable', status: 503 });

      await migrate(database);

      const tables = await queryRows<{ table_name: string }>(
        database.db,
        sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
      );
      expect(schemaTables.length).toBeGreaterThan(5);
      expect(tables.map((t) => t.table_name).sort()).toEqual(expect.arrayContaining(schemaTables));
      expect(schemaTables).toEqual(expect.arrayContaining(['audit_head', 'audit_log', 'ranks', 'users']));

      const triggers = await queryRows<{ tgname: string }>(
        database.db,
        sql`select tgname from pg_trigger where tgrelid = 'audit_log'::regclass and not tgisinternal order by tgname`,
      );
      expect(triggers.map((t) => t.tgname)).toEqual(expect.arrayContaining(['audit_log_no_truncate', 'audit_log_no_update_delete']));

      const head = await queryRows<{ id: number; seq: string; hash: string }>(database.db, sql`select id, seq::text, hash from audit_head`);
      expect(head).toEqual([{ id: 1, seq: '0', hash: '0'.repeat(64) }]);

      const applied = await appliedMigrations(database);
      expect(applied.map((m) => m.hash)).toEqual(journal.map((m) => m.hash));
      expect(await isMigrated(database)).toBe(true);
      expect((await ready(database)).status).toBe(200);

      const refused = await database.db.execute(sql`truncate audit_log`).then(
        () => undefined,
        (error: Error & { cause?: Error }) => error.cause?.message ?? error.message,
      );
      expect(refused).toMatch(/append-only/);
    } finally {
      await drop();
    }
  });

  it('a second run is a no-op: no error, the same bookkeeping rows, data kept', async () => {
    const { database, drop } = await open();
    try {
      await migrate(database);
      await database.db.execute(sql`insert into ministries (code, name_ar, name_en, reference_prefix) values ('test', 'اختبار', 'Test', 'TST')`);
      const first = await appliedMigrations(database);
      expect(first.length).toBe(journal.length);

      await migrate(database);

      expect(await appliedMigrations(database)).toEqual(first);
      const kept = await queryRows<{ code: string }>(database.db, sql`select code from ministries where code = 'test'`);
      expect(kept).toEqual([{ code: 'test' }]);
      const head = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from audit_head`);
      expect(head).toEqual([{ n: 1 }]);
    } finally {
      await drop();
    }
  });
});

// Only a server can be shared by several instances (an embedded database belongs to one process).
describe.each(targets.filter((t) => t.name.includes('PostgreSQL')))('migrations on $name, concurrently', ({ open }) => {
  it('several instances migrating at once apply each migration once (advisory lock)', async () => {
    const { database, drop } = await open();
    try {
      await Promise.all([migrate(database), migrate(database), migrate(database)]);
      expect((await appliedMigrations(database)).map((m) => m.hash)).toEqual(journal.map((m) => m.hash));
      expect(await isMigrated(database)).toBe(true);
    } finally {
      await drop();
    }
  });
});
