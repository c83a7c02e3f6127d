import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, tokenFor } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';

/**
 * Issue 10 item 6: text PostgreSQL cannot store (a NUL, an unpaired UTF-16 surrogate) and dates outside
 * its range are refused at validation — 400 naming the field, never a 500 from the database — on
 * every route, whatever its schema says.
 */
let t: TestApp;
let admin: Record<string, string>;
let auditor: Record<string, string>;
beforeAll(async () => {
  t = await createTestApp();
  admin = bearer(await tokenFor(t, await createUser(t, { role: 'admin' })));
  auditor = bearer(await tokenFor(t, await createUser(t, { role: 'auditor' })));
});
afterAll(() => t.close());

interface Problem {
  status: number;
  code: string;
  errors?: { path: string; message: string; code?: string }[];
}

function expectRefused(res: { statusCode: number; headers: Record<string, unknown>; json<T>(): T }, path: string, code = 'request.invalid_characters'): void {
  expect(res.statusCode).toBe(400);
  expect(String(res.headers['content-type'])).toContain('application/problem+json');
  const body = res.json<Problem>();
  expect(body.code).toBe(code);
  expect(body.errors?.map((e) => e.path)).toContain(path);
  for (const error of body.errors ?? []) expect(error.message.length).toBeGreaterThan(0);
}

const login = (payload: string) => t.app.inject({ method: 'POST', url: '/auth/login', headers: { 'content-type': 'application/json' }, payload });

describe('NUL and unpaired surrogates', () => {
  it('a NUL in the sign-in email is refused before any sign-in work', async () => {
    expectRefused(await login(JSON.stringify({ email: 'admin\u0000@example.test', password: 'whatever whatever' })), '/body/email');
  });

  it('a lone surrogate (valid JSON, not storable text) is refused too, in Arabic as well', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/json', 'accept-language': 'ar' },
      payload: '{"email":"a\\ud800@example.test","password":"whatever whatever"}',
    });
    expectRefused(res, '/body/email');
    expect(res.json<{ detail: string }>().detail).toMatch(/[\u0600-\u06FF]/);
  });

  it('a surrogate pair (an emoji) is ordinary text and passes the guard', async () => {
    const res = await login(JSON.stringify({ email: 'someone\u{1F600}@example.test', password: 'whatever whatever' }));
    expect(res.statusCode).not.toBe(400);
    expect(res.statusCode).toBeLessThan(500);
  });

  it('a NUL in a name, at any depth, and in an object key', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/users', headers: admin, payload: { email: 'n@example.test', name: 'Ahmad\u0000', role: 'auditor' } });
    expectRefused(res, '/body/name');
    const nested = await t.app.inject({ method: 'POST', url: '/users', headers: admin, payload: { email: 'n@example.test', extra: [{ deep: 'x\u0000' }], ['k\u0000']: 1 } });
    expectRefused(nested, '/body/extra/0/deep');
    expect(nested.json<Problem>().errors?.map((e) => e.path)).toContain('/body/k?');
  });

  it.each([
    ['action', '/audit?action=%00'],
    ['entityId', '/audit?entityId=x%00y'],
    ['entityType', '/audit/export?entityType=%00'],
    ['cursor', '/audit?cursor=%00'],
  ])('a NUL in the %s filter of the audit log', async (field, url) => {
    expectRefused(await t.app.inject({ method: 'GET', url, headers: auditor }), `/querystring/${field}`);
  });

  it('a NUL in a path parameter', async () => {
    expectRefused(await t.app.inject({ method: 'GET', url: '/users/%00', headers: admin }), '/params/id');
  });

  it.each([
    ['users', '/users?cursor=AA'],
    ['users (a NUL inside an email-like cursor)', `/users?cursor=${Buffer.from('a\u0000@x').toString('base64url')}`],
    ['committees (a NUL escaped inside the JSON)', `/committees?cursor=${Buffer.from('["\\u0000","x"]').toString('base64url')}`],
    ['audit', '/audit?cursor=AA'],
  ])('a forged %s cursor that decodes to a NUL', async (_name, url) => {
    const headers = url.startsWith('/audit') ? auditor : admin;
    const res = await t.app.inject({ method: 'GET', url, headers });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json<Problem>().errors?.map((e) => e.path)).toContain('/querystring/cursor');
  });
});

describe('dates bounded to what PostgreSQL (and this service) can hold', () => {
  it.each([
    ['from', '0000-01-01T00:00:00Z'],
    ['from', '1899-12-31T23:59:59Z'],
    ['to', '0001-01-01T00:00:00+00:00'],
    ['to', '-000001-01-01T00:00:00Z'],
  ])('%s=%s → 400 naming the field', async (field, value) => {
    const res = await t.app.inject({ method: 'GET', url: `/audit?${field}=${encodeURIComponent(value)}`, headers: auditor });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json<Problem>().errors?.map((e) => e.path)).toContain(`/querystring/${field}`);
  });

  it('the edges of the range are fine', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/audit?from=1900-01-01T00:00:00Z&to=9999-12-31T23:59:59Z', headers: auditor });
    expect(res.statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/audit/export?from=0000-01-01T00:00:00Z', headers: auditor })).statusCode).toBe(400);
  });
});
