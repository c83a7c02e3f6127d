import { sql } from 'drizzle-orm';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, queryRows } from '../../src/db/client.js';
import { startServer, type ServerProcess } from './child.js';

/**
 * The zero-configuration default, as `npm start` runs it: embedded PGlite in DATA_DIR, no DATABASE_URL.
 * Run as a real child process, stopped with SIGTERM, and started again on the same directory.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'embedded-'));
const running: ServerProcess[] = [];
afterAll(async () => {
  for (const server of running) await server.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function counts(): Promise<{ admins: number; audit: number; head: number }> {
  const database = createDatabase({ kind: 'pglite', dataDir: join(dataDir, 'db') });
  try {
    const [row] = await queryRows<{ admins: number; audit: number; head: number }>(
      database.db,
      sql`select (select count(*)::int from users where role = 'admin') as admins,
                 (select count(*)::int from audit_log) as audit,
                 (select seq::int from audit_head where id = 1) as head`,
    );
    return row!;
  } finally {
    await database.close();
  }
}

describe('embedded default (real process)', () => {
  let firstCounts: { admins: number; audit: number; head: number };
  let secrets: string;

  it('starts with no configuration, prints the docs URL and the first admin, serves, and stops with exit 0 on SIGTERM', async () => {
    const server = await startServer({ DATA_DIR: join(dataDir, 'db') });
    running.push(server);
    const out = server.stdout();
    expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.baseUrl).not.toMatch(/:0$/);
    expect(out).toContain(`API docs:     ${server.baseUrl}/docs`);
    expect(out).toContain('embedded database');
    expect(out).toMatch(/First admin: +admin-[0-9a-f]{10}@reintegration\.invalid/);
    expect(out).toMatch(/Password: +\S{20,}/);

    const ready = await fetch(`${server.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.headers.get('x-request-id')).toBeTruthy();

    const ranks = await fetch(`${server.baseUrl}/reference/ranks`);
    expect(ranks.status).toBe(200);
    const items = ((await ranks.json()) as { items: { order: number; nameAr: string; nameEn: string }[] }).items;
    expect(items).toHaveLength(16);
    expect(items.map((r) => r.order)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));

    const openapi = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as { openapi: string };
    expect(openapi.openapi).toBe('3.1.0');

    const bad = await fetch(`${server.baseUrl}/health/live`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    const secretsFile = join(dataDir, 'db', 'secrets.json');
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    secrets = readFileSync(secretsFile, 'utf8');

    expect(await server.stop('SIGTERM')).toBe(0);
    expect(server.stderr()).not.toMatch(/Error|killed by timeout/);

    firstCounts = await counts();
    expect(firstCounts.admins).toBe(1);
    expect(firstCounts.audit).toBeGreaterThanOrEqual(1);
    expect(firstCounts.head).toBe(firstCounts.audit);
  }, 120_000);

  it('restarted on the same DATA_DIR keeps its data, its secrets and its admin (no new password)', async () => {
    expect(firstCounts).toBeDefined();
    const server = await startServer({ DATA_DIR: join(dataDir, 'db') });
    running.push(server);
    expect(server.stdout()).not.toMatch(/Password:|First admin:/);
    expect((await fetch(`${server.baseUrl}/health/ready`)).status).toBe(200);
    const ranks = (await (await fetch(`${server.baseUrl}/reference/ranks`)).json()) as { items: unknown[] };
    expect(ranks.items).toHaveLength(16);
    expect(await server.stop('SIGTERM')).toBe(0);

    expect(readFileSync(join(dataDir, 'db', 'secrets.json'), 'utf8')).toBe(secrets);
    const again = await counts();
    expect(again.admins).toBe(1);
    expect(again.audit).toBeGreaterThanOrEqual(firstCounts.audit);
    expect(again.head).toBe(again.audit);
  }, 120_000);
});
