import { createHash, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildApp, type App } from '../../src/app.js';
import { createDatabase, queryRows, type Database } from '../../src/db/client.js';
import { createIdempotencyStore, idempotencyKeyOf, type IdempotencyStore } from '../../src/http/idempotency.js';
import { ephemeralSecrets } from '../../src/secrets.js';
import { bearer, createUser, tokenFor } from '../factories.js';
import { createTestDatabase, testConfig, type TestApp, type TestDatabase } from '../harness.js';

/** How often each test route really ran, by route. */
const runs: Record<string, number> = {};
let app: App;
let database: Database;
let testDb: TestDatabase;

const body = z.strictObject({ name: z.string(), password: z.string() });

/** A test-only route: a slow run (by default holding the one connection meanwhile), then 201 with an id and a token. */
function thingsRoute(target: App, url: string, store: () => IdempotencyStore, options: { fail?: boolean; slowMs?: number; auth?: boolean; slowOutsideDb?: boolean } = {}) {
  const r = target.withTypeProvider<ZodTypeProvider>();
  r.post(url, { config: { permission: options.auth ? 'session:self' : 'public' }, schema: { body } }, async (request, reply) => {
    const result = await store().run<{ id: string }, { id: string; token: string }>({
      db: database.db,
      key: idempotencyKeyOf(request),
      scope: `POST ${url}`,
      caller: request.actor?.id ?? null,
      request: request.body,
      run: async (complete) => {
        runs[url] = (runs[url] ?? 0) + 1;
        const id = randomUUID();
        if (options.slowOutsideDb) await sleep(options.slowMs ?? 200);
        await database.db.transaction(async (tx) => {
          await tx.execute(sql`select pg_sleep(${options.slowOutsideDb ? 0 : (options.slowMs ?? 200) / 1000})`);
          if (options.fail) throw new Error('the run failed');
          await complete(tx, { status: 201, outcome: { id } });
        });
        return { status: 201, outcome: { id }, response: { id, token: `secret-token-${id}` } };
      },
      replay: ({ outcome }) => ({ id: outcome.id, token: `fresh-token-${randomUUID()}` }),
    });
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(result.status).send(result.response);
  });
}

let impatient: IdempotencyStore;
let shortLived: IdempotencyStore;

beforeAll(async () => {
  testDb = await createTestDatabase();
  // A pool of exactly one connection (the embedded database has one anyway).
  database = testDb.url ? createDatabase({ kind: 'pg', url: testDb.url, poolMax: 1, statementTimeoutMs: 30_000 }) : testDb.database;
  const secrets = ephemeralSecrets();
  impatient = createIdempotencyStore({ hmacKey: secrets.idempotencyHmacKey, waitMs: 100 });
  shortLived = createIdempotencyStore({ hmacKey: secrets.idempotencyHmacKey, ttlMs: 50 });
  app = await buildApp({ config: testConfig(), database, secrets, logStream: new Writable({ write: (_c, _e, cb) => cb() }) });
  thingsRoute(app, '/test/things', () => app.idempotency);
  thingsRoute(app, '/test/mine', () => app.idempotency, { auth: true, slowMs: 10 });
  thingsRoute(app, '/test/failing', () => app.idempotency, { fail: true, slowMs: 10 });
  thingsRoute(app, '/test/impatient', () => impatient, { slowMs: 1_000, slowOutsideDb: true });
  thingsRoute(app, '/test/short-lived', () => shortLived, { slowMs: 10 });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  if (database !== testDb.database) await database.close();
  await testDb.drop();
});

const post = (url: string, key: string | undefined, payload: object, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, headers: { ...headers, ...(key === undefined ? {} : { 'idempotency-key': key }) }, payload });

describe('Idempotency-Key (pool of one connection)', () => {
  it('replays the stored outcome for the same key and request; run executes once', async () => {
    const key = randomUUID();
    const first = await post('/test/things', key, { name: 'a', password: 'hunter2-hunter2' });
    const before = runs['/test/things'];
    const again = await post('/test/things', key, { password: 'hunter2-hunter2', name: 'a' });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json<{ id: string }>().id).toBe(first.json<{ id: string }>().id);
    expect(again.json<{ token: string }>().token).toMatch(/^fresh-token-/);
    expect(runs['/test/things']).toBe(before);
  });

  it('refuses the same key with another request: 422', async () => {
    const key = randomUUID();
    expect((await post('/test/things', key, { name: 'a', password: 'p' })).statusCode).toBe(201);
    const other = await post('/test/things', key, { name: 'b', password: 'p' });
    expect(other.statusCode).toBe(422);
    expect(other.headers['content-type']).toContain('application/problem+json');
    expect(other.json()).toMatchObject({ code: 'request.idempotency_key_reused' });
  });

  it('runs two concurrent requests with one key once: the second waits for the first, without holding the connection', async () => {
    const key = randomUUID();
    const before = runs['/test/things'] ?? 0;
    const [a, b] = await Promise.all([
      post('/test/things', key, { name: 'c', password: 'p' }),
      post('/test/things', key, { name: 'c', password: 'p' }),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.json<{ id: string }>().id).toBe(b.json<{ id: string }>().id);
    expect([a.headers['idempotent-replayed'], b.headers['idempotent-replayed']].filter(Boolean)).toEqual(['true']);
    expect(runs['/test/things']).toBe(before + 1);
  });

  it('gives up waiting after a bounded time with 409 idempotency.in_progress', async () => {
    const key = randomUUID();
    const first = post('/test/impatient', key, { name: 'd', password: 'p' });
    await sleep(150);
    const second = await post('/test/impatient', key, { name: 'd', password: 'p' });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ code: 'idempotency.in_progress' });
    expect(second.headers['retry-after']).toBe('1');
    expect((await first).statusCode).toBe(201);
  });

  it('stores a keyed hash and the ids, never the body or the tokens', async () => {
    const key = randomUUID();
    const res = await post('/test/things', key, { name: 'e', password: 'a password nobody should store' });
    const rows = await queryRows<Record<string, unknown>>(database.db, sql`select * from idempotency_keys where key = ${key}`);
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows[0]);
    expect(stored).not.toContain('a password nobody should store');
    expect(stored).not.toContain('secret-token');
    expect(rows[0]).toMatchObject({ scope: 'POST /test/things', caller: '', state: 'done', status: 201, outcome: { id: res.json<{ id: string }>().id } });
    // Not a plain hash of the request: without the server's key it cannot be checked against guesses.
    const plain = createHash('sha256').update(JSON.stringify({ caller: '', request: { name: 'e', password: 'a password nobody should store' }, scope: 'POST /test/things' })).digest('hex');
    expect(rows[0]!.request_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]!.request_hash).not.toBe(plain);
  });

  it('scopes a key to the caller on authenticated routes', async () => {
    const t = { app, database } as unknown as TestApp;
    const [one, two] = [await createUser(t, { role: 'applicant' }), await createUser(t, { role: 'applicant' })];
    const key = randomUUID();
    const before = runs['/test/mine'] ?? 0;
    const a = await post('/test/mine', key, { name: 'f', password: 'p' }, bearer(await tokenFor(t, one)));
    const b = await post('/test/mine', key, { name: 'g', password: 'p' }, bearer(await tokenFor(t, two)));
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.json<{ id: string }>().id).not.toBe(b.json<{ id: string }>().id);
    expect(runs['/test/mine']).toBe(before + 2);
  });

  it('releases the key when the run fails, so a retry runs again', async () => {
    const key = randomUUID();
    expect((await post('/test/failing', key, { name: 'h', password: 'p' })).statusCode).toBe(500);
    expect((await post('/test/failing', key, { name: 'h', password: 'p' })).statusCode).toBe(500);
    expect(runs['/test/failing']).toBe(2);
  });

  it('forgets a key once it expired: the same key then serves a new request', async () => {
    const key = randomUUID();
    expect((await post('/test/short-lived', key, { name: 'i', password: 'p' })).statusCode).toBe(201);
    await sleep(100);
    const res = await post('/test/short-lived', key, { name: 'j', password: 'p' });
    expect(res.statusCode).toBe(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
  });

  it('runs without a key, and refuses a malformed one with 400', async () => {
    expect((await post('/test/things', undefined, { name: 'k', password: 'p' })).statusCode).toBe(201);
    const bad = await post('/test/things', 'has space', { name: 'k', password: 'p' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'request.invalid_idempotency_key' });
  });
});
