import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../src/access/roles.js';
import { createTestApp, type TestApp } from '../harness.js';
import { bearer, createUser, tokenFor } from '../factories.js';

/** Canaries: if any of these shows up in a log line or a problem document, something leaks. */
const PASSWORD = 'Canary-Passw0rd-q7Zt91';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJjYW5hcnkiOiJ0b2tlbi1xN1p0OTEifQ.Y2FuYXJ5LXNpZ25hdHVyZS1xN1p0OTE';
const NATIONAL_ID = '09871234561';
const CANARIES = [PASSWORD, TOKEN, NATIONAL_ID];

let t: TestApp;
const problems: { route: string; body: string }[] = [];
let requests = 0;

beforeAll(async () => {
  t = await createTestApp(
    {},
    {
      configure(app) {
        // A query that fails on a personal value: drizzle puts the parameters in its message and
        // PostgreSQL quotes the value in its own; neither may reach the log.
        app.post('/test/log-hygiene/failing-query', { config: { permission: 'public' } }, async (request) => {
          const body = request.body as { nationalId: string };
          await app.database.db.execute(sql`select ${body.nationalId}::uuid`);
          return { ok: true };
        });
      },
    },
  );
});
afterAll(() => t.close());

interface RouteSpec {
  method: string;
  path: string;
}

/** The whole route table, from the OpenAPI document plus the hidden routes. */
function routeTable(): RouteSpec[] {
  const doc = t.app.swagger() as { paths?: Record<string, Record<string, unknown>> };
  const routes: RouteSpec[] = [];
  for (const [path, operations] of Object.entries(doc.paths ?? {})) {
    for (const method of Object.keys(operations)) {
      if (['get', 'post', 'put', 'patch', 'delete'].includes(method)) routes.push({ method: method.toUpperCase(), path });
    }
  }
  routes.push({ method: 'GET', path: '/openapi.json' }, { method: 'POST', path: '/test/log-hygiene/failing-query' });
  return routes;
}

const body = {
  email: `canary.${NATIONAL_ID}@example.org`,
  password: PASSWORD,
  currentPassword: PASSWORD,
  newPassword: PASSWORD,
  token: TOKEN,
  refreshToken: TOKEN,
  accessToken: TOKEN,
  code: TOKEN,
  totp: NATIONAL_ID,
  recoveryCode: TOKEN,
  nationalId: NATIONAL_ID,
  applicant: { nationalId: NATIONAL_ID, password: PASSWORD },
  name: `Name ${NATIONAL_ID}`,
  note: `note ${PASSWORD}`,
};
const query = `password=${encodeURIComponent(PASSWORD)}&token=${encodeURIComponent(TOKEN)}&nationalId=${NATIONAL_ID}&q=${NATIONAL_ID}`;

async function hit(route: RouteSpec, paramValue: string, headers: Record<string, string>): Promise<void> {
  const path = route.path.replace(/\{[^}]+\}/g, encodeURIComponent(paramValue)).replace(/:[A-Za-z]+/g, encodeURIComponent(paramValue));
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
  const res = await t.app.inject({
    method: route.method as 'GET',
    url: `${path}?${query}`,
    headers: {
      'x-api-key': TOKEN,
      cookie: `session=${TOKEN}; password=${PASSWORD}`,
      'x-national-id': NATIONAL_ID,
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(hasBody ? { payload: JSON.stringify(body) } : {}),
  });
  requests += 1;
  if (String(res.headers['content-type'] ?? '').includes('application/problem+json')) problems.push({ route: `${route.method} ${route.path}`, body: res.body });
}

describe('logs and problem documents stay clean', () => {
  it('canaries planted across the whole route table (bodies, query strings, headers, paths) appear nowhere', async () => {
    const routes = routeTable();
    expect(routes.length).toBeGreaterThan(10);
    const tokens: Record<string, string>[] = [{ authorization: `Bearer ${TOKEN}` }, { authorization: `Basic ${Buffer.from(`x:${PASSWORD}`).toString('base64')}` }];
    for (const role of ROLES) tokens.push(bearer(await tokenFor(t, await createUser(t, { role }))));
    for (const route of routes) {
      for (const headers of tokens) {
        for (const paramValue of [NATIONAL_ID, TOKEN, PASSWORD]) await hit(route, paramValue, headers);
      }
    }
    await t.app.audit.flush();

    expect(requests).toBeGreaterThan(routes.length * tokens.length);
    expect(problems.length).toBeGreaterThan(routes.length);
    // The failing query did fail, and was logged (without the value).
    expect(t.logs.some((line) => line.includes('"statusCode":500') || line.includes('request failed'))).toBe(true);
    const leakingLogs = t.logs.filter((line) => CANARIES.some((c) => line.includes(c)));
    expect(leakingLogs.slice(0, 3)).toEqual([]);
    const leakingProblems = problems.filter((p) => CANARIES.some((c) => p.body.includes(c)));
    expect(leakingProblems.slice(0, 3)).toEqual([]);
  });

  it('a failing query is still diagnosable from its log line', () => {
    const line = t.logs.find((l) => l.includes('request failed'));
    expect(line).toBeDefined();
    const entry = JSON.parse(line!) as { err: { message: string; cause?: { code?: string; message: string } } };
    expect(entry.err.message).toContain('Failed query: select $1::uuid');
    expect(entry.err.message).toContain('params: [redacted]');
    expect(entry.err.cause?.code).toBe('22P02');
  });
});
