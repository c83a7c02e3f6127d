import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../harness.js';

/**
 * Issue 10 item 8: a URL fastify cannot decode never reaches a route or the hooks; it is still answered
 * as problem+json with the security headers and a request id, and nothing of the URL is echoed.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu';

describe('malformed URLs', () => {
  it.each([
    '/users/%E0%A4%A',
    '/users/%E0%A4%A?x=1',
    '/users/%ZZ',
    `/applications/%C0%AF${TOKEN}%`,
    `/users/%E0%A4%A/${TOKEN}`,
    '/reference/ranks/%',
  ])('%s → 400 problem+json, security headers, no echo', async (url) => {
    for (const language of ['en', 'ar']) {
      const res = await t.app.inject({ method: 'GET', url, headers: { 'accept-language': language } });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['strict-transport-security']).toBeDefined();
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json<Record<string, unknown>>();
      expect(body).toMatchObject({ status: 400, code: 'request.bad_url', requestId: res.headers['x-request-id'] });
      expect(body.instance).toBe(`urn:uuid:${String(body.requestId)}`);
      expect(res.body).not.toContain('%');
      expect(res.body).not.toContain(TOKEN);
      expect(res.body).not.toContain('/users');
      if (language === 'ar') expect(String(body.detail)).toMatch(/[\u0600-\u06FF]/);
    }
  });

  it('an over-long path parameter → 414 problem+json, no echo', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/users/${'a'.repeat(150)}${TOKEN}` });
    expect(res.statusCode).toBe(414);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.json<{ code: string }>().code).toBe('request.bad_url');
    expect(res.body).not.toContain(TOKEN);
  });

  it('an unknown path (well-formed) is not echoed either', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/register/${TOKEN}/nothing-here` });
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain(TOKEN);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});
