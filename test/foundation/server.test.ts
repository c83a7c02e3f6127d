import { sql } from 'drizzle-orm';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { App } from '../../src/app.js';
import { createTestApp, createTestDatabase, type TestApp } from '../harness.js';
import { startServer } from './child.js';

const SLOW_MS = 800;

function configure(app: App): void {
  app.get('/test/slow', { config: { permission: 'public' } }, async () => {
    await new Promise((resolve) => setTimeout(resolve, SLOW_MS));
    return { done: true };
  });
  app.get('/test/db-sleep', { config: { permission: 'public' } }, async () => {
    await app.database.db.execute(sql`select pg_sleep(3)`);
    return { done: true };
  });
}

/** Plain GET over a given agent, so keep-alive behaviour is under the test's control. */
function get(url: string, agent: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('server timeouts', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ REQUEST_TIMEOUT_MS: '12000' });
  });
  afterAll(() => t.close());

  it('sets fastify request, connection and keep-alive timeouts (all off by default in fastify)', () => {
    // initialConfig has requestTimeout at run time; its type leaves it out.
    expect((t.app.initialConfig as { requestTimeout?: number }).requestTimeout).toBe(12_000);
    expect(t.app.initialConfig.connectionTimeout).toBeGreaterThan(12_000);
    expect(t.app.initialConfig.keepAliveTimeout).toBeGreaterThan(0);
    expect(t.app.server.requestTimeout).toBe(12_000);
    expect(t.app.server.timeout).toBe(t.app.initialConfig.connectionTimeout);
    expect(t.app.server.keepAliveTimeout).toBe(t.app.initialConfig.keepAliveTimeout);
    expect(t.app.initialConfig.bodyLimit).toBe(t.config.bodyLimitBytes);
  });
});

describe('graceful shutdown (in process)', () => {
  it('app.close() lets an in-flight request finish with 200, refuses new work, and closes idle keep-alive sockets', async () => {
    const t = await createTestApp({}, { configure });
    try {
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      const idle = new http.Agent({ keepAlive: true });
      const busy = new http.Agent({ keepAlive: true });
      // An idle keep-alive connection: it must not hold the shutdown for keepAliveTimeout.
      expect((await get(`${base}/health/live`, idle)).status).toBe(200);

      const inFlight = get(`${base}/test/slow`, busy);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      const closing = t.app.close();
      const late = await get(`${base}/health/live`, new http.Agent()).catch((error: NodeJS.ErrnoException) => error.code);

      const res = await inFlight;
      await closing;
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ done: true });
      // Well under keepAliveTimeout (5 s): the idle and the finished connections were closed, not waited out.
      expect(Date.now() - started).toBeLessThan(SLOW_MS + 3_000);
      expect(['ECONNREFUSED', 'ECONNRESET']).toContain(late);
      idle.destroy();
      busy.destroy();
    } finally {
      await t.close();
    }
  }, 30_000);
});

/** Resolves with the error code of a connection attempt, or 'connected'. */
function probe(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

describe('SIGTERM to `npm start` (real process, compiled)', () => {
  it('reaches node: the in-flight request is answered, no new connection is taken, npm exits 0 and nothing is left', async () => {
    const serverUrl = inject('testServerUrl');
    const dataDir = mkdtempSync(join(tmpdir(), 'sigterm-'));
    const db = serverUrl ? await createTestDatabase() : undefined;
    await db?.database.close();
    try {
      const env: Record<string, string> = { DATA_DIR: dataDir, ...(db?.url ? { DATABASE_URL: db.url } : {}) };
      const server = await startServer(env, 110_000, 'npm-start');
      try {
        const port = Number(new URL(server.baseUrl).port);
        expect((await fetch(`${server.baseUrl}/health/ready`)).status).toBe(200);

        // A request whose body is still on its way when SIGTERM arrives: in flight, not idle.
        const body = JSON.stringify({ email: 'nobody@example.org', password: 'not-the-password-1' });
        const socket = net.connect({ host: '127.0.0.1', port });
        await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
        let response = '';
        socket.setEncoding('utf8').on('data', (chunk: string) => (response += chunk));
        const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
        socket.write(
          `POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
        );
        await new Promise((resolve) => setTimeout(resolve, 300));

        const exit = server.stop('SIGTERM');
        // The listener closes at once: node got the signal (npm did not just die and leave it serving).
        let refused = 'connected';
        for (let i = 0; i < 50 && refused === 'connected'; i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          refused = await probe(port);
        }
        expect(refused).toBe('ECONNREFUSED');
        expect(server.child.exitCode).toBeNull();

        socket.write(body.slice(10));
        await ended;
        expect(response).toMatch(/^HTTP\/1\.1 401 /);
        expect(response).toMatch(/content-type: application\/problem\+json/i);
        expect(response).toMatch(/connection: close/i);

        expect(await exit).toBe(0);
        expect(server.stderr()).not.toMatch(/killed by timeout|second SIGTERM/);
        expect(processGroupAlive(server.child.pid!)).toBe(false);
        expect(await probe(port)).toBe('ECONNREFUSED');
      } finally {
        await server.stop('SIGKILL');
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      if (db) {
        const admin = new pg.Client({ connectionString: serverUrl });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS ${new URL(db.url!).pathname.slice(1)} WITH (FORCE)`).finally(() => admin.end());
      }
    }
  }, 150_000);
});

// Only a server can be restarted under the app; the embedded database lives in the process.
const servers = inject('testServerUrl') ? [inject('testServerUrl')!] : [];
describe.each(servers)('database restart on %s', (serverUrl) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({}, { configure });
  });
  afterAll(() => t.close());

  async function terminateBackends(): Promise<number> {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      const name = new URL(t.url!).pathname.slice(1);
      const res = await admin.query<{ killed: boolean }>(
        'select pg_terminate_backend(pid) as killed from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [name],
      );
      return res.rows.filter((r) => r.killed).length;
    } finally {
      await admin.end();
    }
  }

  it('idle pooled connections killed by the server: the process survives and the next request succeeds', async () => {
    // Fill the pool with a few idle connections.
    const warm = await Promise.all(Array.from({ length: 4 }, () => t.app.inject({ method: 'GET', url: '/reference/ranks' })));
    expect(warm.every((r) => r.statusCode === 200)).toBe(true);
    expect(await terminateBackends()).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const after = await t.app.inject({ method: 'GET', url: '/reference/ranks' });
    expect([200, 500, 503]).toContain(after.statusCode);
    const next = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(next.statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/reference/ranks' })).json<{ items: unknown[] }>().items).toHaveLength(16);
  });

  it('a connection killed mid-query fails that request cleanly (500 problem, no internals) and the next one succeeds', async () => {
    const pending = t.app.inject({ method: 'GET', url: '/test/db-sleep' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await terminateBackends()).toBeGreaterThan(0);
    const res = await pending;
    expect(res.statusCode).toBe(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).not.toMatch(/terminat|pg_sleep|select/i);
    expect((await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
  });
});
