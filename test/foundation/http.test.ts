import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { App } from '../../src/app.js';
import { createTestApp, type TestApp } from '../harness.js';

/** A test-only route with a strict body, so the OpenAPI check sees a request body. */
function configure(app: App): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/test/echo/:id',
    {
      config: { permission: 'public' },
      schema: {
        params: z.strictObject({ id: z.string() }),
        body: z.strictObject({ name: z.string(), nested: z.strictObject({ n: z.number() }).optional() }),
      },
    },
    async (request) => ({ id: request.params.id, name: request.body.name }),
  );
}

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({}, { configure });
});
afterAll(() => t.close());

/**
 * Every route fastify knows, as [method, OpenAPI path], read from printRoutes' tree (fastify has no
 * public list, and routes registered inside buildApp are gone before a test could add an onRoute hook).
 */
function registeredRoutes(app: App): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    const path = stack.join('').replace(/:(\w+)/g, '{$1}');
    for (const method of (match[3] ?? '').split(',').map((m) => m.trim()).filter(Boolean)) out.push({ method, path });
  }
  return out;
}

describe('health', () => {
  it('/health/live answers 200 without a database round trip', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health/live' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/health/ready answers 200 on a migrated database', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });
});

describe('request ids', () => {
  it('puts a generated x-request-id on every response, including errors', async () => {
    for (const url of ['/health/live', '/reference/ranks', '/no/such/route']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    const a = await t.app.inject({ method: 'GET', url: '/health/live' });
    const b = await t.app.inject({ method: 'GET', url: '/health/live' });
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  it('keeps its own id and logs a well-formed x-request-id given by the caller beside it', async () => {
    const id = 'edge-7f3a.2026:01_x';
    const res = await t.app.inject({ method: 'GET', url: '/no/such/route', headers: { 'x-request-id': id } });
    const own = res.headers['x-request-id'];
    expect(own).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.json<{ requestId: string }>().requestId).toBe(own);
    const lines = t.logs.join('').split('\n').filter((l) => l.includes(id));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ reqId: own, req: { clientRequestId: id } });
  });

  it.each([
    ['forged with a newline', 'abc\r\nset-cookie: x=1'],
    ['with spaces and markup', '<script>alert(1)</script>'],
    ['oversized', 'a'.repeat(65)],
    ['empty', ''],
  ])('replaces a request id %s', async (_label, given) => {
    const res = await t.app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': given } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-request-id']).not.toBe(given);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});

describe('response headers', () => {
  it.each(['/health/live', '/openapi.json', '/no/such/route'])('%s carries the security headers and no-store', async (url) => {
    const res = await t.app.inject({ method: 'GET', url });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('sends no-store on a successful POST too (personal data by default)', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/test/echo/1', payload: { name: 'x' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
  });
});

describe('OpenAPI', () => {
  interface OpenApi {
    openapi: string;
    servers?: { url: string }[];
    info: { title: string; version: string };
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } }>>;
  }

  it('/openapi.json is an OpenAPI 3.1.0 document', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const doc = res.json<OpenApi>();
    expect(doc.openapi).toBe('3.1.0');
    // No PUBLIC_BASE_URL: the server is the origin the document was fetched from.
    expect(doc.servers).toEqual([{ url: '/' }]);
    expect(doc.info.title).not.toBe('');
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
  });

  it('lists every registered route with its method (docs assets and the document itself aside)', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json<OpenApi>();
    const routes = registeredRoutes(t.app).filter(
      (r) => r.method !== 'HEAD' && !r.path.startsWith('/docs') && r.path !== '/openapi.json',
    );
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['GET /health/live', 'GET /health/ready', 'GET /reference/ranks', 'POST /test/echo/{id}']),
    );
    const missing = routes.filter((r) => !doc.paths[r.path]?.[r.method.toLowerCase()]).map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
  });

  it('declares request bodies with additionalProperties: false, nested objects included', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json<OpenApi>();
    const bodies = Object.values(doc.paths).flatMap((ops) =>
      Object.values(ops).flatMap((op) => Object.values(op.requestBody?.content ?? {}).map((c) => c.schema)),
    );
    expect(bodies.length).toBeGreaterThan(0);
    for (const schema of bodies) {
      if (schema.type === 'object') expect(schema.additionalProperties).toBe(false);
    }
    const echo = doc.paths['/test/echo/{id}']!.post!.requestBody!.content['application/json']!.schema as {
      additionalProperties: unknown;
      properties: { nested: { additionalProperties: unknown } };
    };
    expect(echo.additionalProperties).toBe(false);
    expect(echo.properties.nested.additionalProperties).toBe(false);
  });

  it('/docs serves a browsable HTML page', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs' });
    const page = res.statusCode === 302 ? await t.app.inject({ method: 'GET', url: res.headers.location! }) : res;
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toMatch(/swagger/i);
    // Served over plain HTTP too (a LAN address): its assets must not be forced to https.
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });
});
