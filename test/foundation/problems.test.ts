import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { App } from '../../src/app.js';
import { createTestApp, type TestApp } from '../harness.js';
import type { ProblemDocument } from '../../src/http/problem.js';

const BODY_LIMIT = 2048;
const INTERNAL = 'db password=hunter2 at /srv/secret/path.ts';

/** Test-only routes: a strict body, a query, and a route that fails with internals in its error. */
function configure(app: App): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/test/people',
    {
      config: { permission: 'public' },
      schema: {
        body: z.strictObject({
          name: z.string().min(1),
          age: z.number().int(),
          address: z.strictObject({ city: z.string(), zip: z.string().regex(/^\d{5}$/) }),
          tags: z.array(z.string()).optional(),
        }),
      },
    },
    async (request) => ({ keys: Object.keys(request.body).sort(), polluted: ({} as Record<string, unknown>).isAdmin ?? null }),
  );
  r.get(
    '/test/list',
    { config: { permission: 'public' }, schema: { querystring: z.strictObject({ limit: z.coerce.number().int().max(100) }) } },
    async (request) => ({ limit: request.query.limit }),
  );
  r.get('/test/boom', { config: { permission: 'public' } }, async () => {
    throw new Error(INTERNAL);
  });
  r.get('/test/boom-typed', { config: { permission: 'public' } }, async () => {
    const err = new Error(INTERNAL) as Error & { statusCode: number };
    err.statusCode = 502;
    throw err;
  });
}

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ BODY_LIMIT_BYTES: String(BODY_LIMIT) }, { configure });
});
afterAll(() => t.close());

type Problem = ProblemDocument;

const valid = { name: 'Rami', age: 41, address: { city: 'Homs', zip: '12345' } };
const arabic = /[\u0600-\u06FF]/;

const locales = [
  { locale: 'en', header: {} as Record<string, string>, script: /^[\x20-\x7E’]+$/ },
  { locale: 'ar', header: { 'accept-language': 'ar' }, script: arabic },
] as const;

describe.each(locales)('problem+json in $locale', ({ locale, header, script }) => {
  function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }, status: number, code: string): Problem {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.headers['content-language']).toBe(locale);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json() as Problem;
    expect(body).toMatchObject({ status, code, type: `urn:problem:${code}` });
    expect(body.title).toMatch(script);
    expect(body.detail).toMatch(script);
    expect(body.requestId).toBe(res.headers['x-request-id']);
    return body;
  }

  const post = (payload: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/test/people', payload, headers: { 'content-type': 'application/json', ...header, ...headers } });

  it('accepts a valid body (the routes under test work)', async () => {
    const res = await post(JSON.stringify(valid));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ keys: ['address', 'age', 'name'], polluted: null });
  });

  it('malformed JSON → 400', async () => {
    const body = expectProblem(await post('{"name": "Rami", '), 400, 'request.malformed_json');
    expect(body.instance).toBe('/test/people');
  });

  it('empty JSON body → 400', async () => {
    expectProblem(await post(''), 400, 'request.empty_body');
  });

  it('unknown fields are refused, not dropped, at every depth', async () => {
    const body = expectProblem(
      await post(JSON.stringify({ ...valid, role: 'admin', address: { ...valid.address, floor: 3 } })),
      400,
      'request.validation_failed',
    );
    expect(body.errors!.map((e) => e.path).sort()).toEqual(['/body/address/floor', '/body/role']);
    for (const e of body.errors!) {
      expect(e.code).toBe('unrecognized_keys');
      expect(e.message).toMatch(script);
    }
  });

  it('each unknown field gets an error naming that field only, to show beside it', async () => {
    const body = expectProblem(await post(JSON.stringify({ ...valid, religion: 'x', sect: 'y' })), 400, 'request.validation_failed');
    const byPath = Object.fromEntries(body.errors!.map((e) => [e.path, e.message]));
    expect(byPath['/body/religion']).toContain('religion');
    expect(byPath['/body/religion']).not.toContain('sect');
    expect(byPath['/body/sect']).toContain('sect');
    expect(byPath['/body/sect']).not.toContain('religion');
  });

  it('wrong types are reported with their field paths', async () => {
    const res = await post(JSON.stringify({ name: '', age: 'forty', address: { city: 7, zip: '12' }, tags: ['a', 3] }));
    const body = expectProblem(res, 400, 'request.validation_failed');
    expect(body.errors!.map((e) => e.path).sort()).toEqual([
      '/body/address/city',
      '/body/address/zip',
      '/body/age',
      '/body/name',
      '/body/tags/1',
    ]);
    for (const e of body.errors!) expect(e.message).toMatch(script);
    // The values sent never come back (they may be personal data).
    expect(res.body).not.toContain('forty');
  });

  it('a missing required field is reported with its path', async () => {
    const body = expectProblem(await post(JSON.stringify({ name: 'Rami', age: 41 })), 400, 'request.validation_failed');
    expect(body.errors).toEqual([expect.objectContaining({ path: '/body/address' })]);
  });

  it('query strings are validated too, with their own path', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/test/list?limit=abc&extra=1', headers: header });
    const body = expectProblem(res, 400, 'request.validation_failed');
    expect(body.errors!.map((e) => e.path).sort()).toEqual(['/querystring/extra', '/querystring/limit']);
    expect(body.instance).toBe('/test/list');
  });

  it.each([
    ['__proto__', `{"name":"Rami","age":41,"address":{"city":"Homs","zip":"12345"},"__proto__":{"isAdmin":true}}`],
    ['nested __proto__', `{"name":"Rami","age":41,"address":{"city":"Homs","zip":"12345","__proto__":{"isAdmin":true}}}`],
    ['escaped __proto__', `{"name":"Rami","age":41,"address":{"city":"Homs","zip":"12345"},"\\u005f_proto__":{"isAdmin":true}}`],
    ['constructor.prototype', `{"name":"Rami","age":41,"address":{"city":"Homs","zip":"12345"},"constructor":{"prototype":{"isAdmin":true}}}`],
    ['inside an array', `{"name":"Rami","age":41,"address":{"city":"Homs","zip":"12345"},"tags":[{"__proto__":{"isAdmin":true}}]}`],
  ])('prototype poisoning (%s) → 400 and nothing polluted', async (_label, payload) => {
    expectProblem(await post(payload), 400, 'request.forbidden_property');
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('isAdmin');
  });

  it('a harmless "constructor" or "__x" member is not mistaken for poisoning', async () => {
    const res = await post(JSON.stringify({ ...valid, address: { city: 'constructor __x', zip: '12345' } }));
    expect(res.statusCode).toBe(200);
  });

  it('unknown route → 404', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/no/such/route?x=1', headers: header });
    const body = expectProblem(res, 404, 'request.route_not_found');
    // No route matched: the occurrence's id, never the path (it may carry a token).
    expect(body.instance).toBe(`urn:uuid:${body.requestId}`);
    expect(res.body).not.toContain('/no/such');
  });

  it('unknown method on a known path → 404', async () => {
    expectProblem(await t.app.inject({ method: 'DELETE', url: '/reference/ranks', headers: header }), 404, 'request.route_not_found');
  });

  it('a body over BODY_LIMIT_BYTES → 413 naming the limit', async () => {
    const big = JSON.stringify({ ...valid, name: 'x'.repeat(BODY_LIMIT) });
    const body = expectProblem(await post(big), 413, 'request.body_too_large');
    expect(body.detail).toContain(String(BODY_LIMIT));
  });

  it('an unsupported media type → 415', async () => {
    expectProblem(await post('<person/>', { 'content-type': 'application/xml' }), 415, 'request.unsupported_media_type');
  });

  it('a body without a content type → 415', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/test/people', payload: Buffer.from(JSON.stringify(valid)), headers: header });
    expectProblem(res, 415, 'request.unsupported_media_type');
  });

  it.each(['/test/boom', '/test/boom-typed'])('%s: an unexpected error → 500 without internals, logged with the request id', async (url) => {
    const res = await t.app.inject({ method: 'GET', url, headers: header });
    const body = expectProblem(res, 500, 'server.internal');
    expect(Object.keys(body).sort()).toEqual(['code', 'detail', 'instance', 'requestId', 'status', 'title', 'type']);
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toContain('/srv/');
    expect(res.body).not.toMatch(/stack|at .*\.ts/);
    const logged = t.logs.filter((l) => l.includes(body.requestId) && l.includes('hunter2'));
    expect(logged.length).toBeGreaterThan(0);
  });
});

describe('Accept-Language negotiation', () => {
  it.each([
    ['ar-SY', 'ar'],
    ['fr, ar;q=0.8, en;q=0.5', 'ar'],
    ['en-GB, ar;q=0.9', 'en'],
    ['de', 'en'],
    ['ar;q=0', 'en'],
  ])('%s → %s', async (accept, locale) => {
    const res = await t.app.inject({ method: 'GET', url: '/no/such/route', headers: { 'accept-language': accept } });
    expect(res.headers['content-language']).toBe(locale);
    expect(res.json<Problem>().title).toBe(locale === 'ar' ? 'غير موجود' : 'Not found');
  });
});
