import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS, ROLE_PERMISSIONS, type Permission } from '../../src/access/permissions.js';
import { ROLES, type Role } from '../../src/access/roles.js';
import type { RouteEntry } from '../../src/http/auth.js';
import { createUser, tokenFor, type TestUser } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';

/**
 * Generated from the route catalogue and ROLE_PERMISSIONS: every route any module registers is
 * called by every role (and without a token), so routes added later are covered without touching
 * this file.
 */

/** Codes only the auth hook uses: an allowed role must never see them. */
const AUTH_HOOK_CODES = ['auth.unauthenticated', 'auth.invalid_token', 'auth.forbidden', 'auth.mfa_required'];

/** The problem code of an error response, '' otherwise. */
function problemCode(res: { headers: Record<string, string | string[] | number | undefined>; body: string }): string {
  const type = res.headers['content-type'];
  if (typeof type !== 'string' || !type.startsWith('application/problem+json')) return '';
  return (JSON.parse(res.body) as { code?: string }).code ?? '';
}

function routesOf(t: TestApp): RouteEntry[] {
  return t.app.routeCatalogue.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
}

function concretePath(url: string): string {
  return url.replace(/:[A-Za-z0-9_]+/g, '00000000-0000-4000-8000-00000000abcd').replace(/\*$/, 'x');
}

function declaredPermission(route: RouteEntry): Permission | 'public' {
  return route.permission as Permission | 'public';
}

async function call(t: TestApp, route: RouteEntry, token: string | undefined) {
  const withBody = route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH';
  return t.app.inject({
    method: route.method as 'GET',
    url: concretePath(route.url),
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(withBody ? { 'content-type': 'application/json' } : {}) },
    ...(withBody ? { payload: '{}' } : {}),
  });
}

describe('every route declares a permission', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({}, {
      configure: (app) => {
        app.get('/test-only/undeclared', async () => ({ leaked: true }));
      },
    });
  });
  afterAll(() => t.close());

  it('the catalogue sees every route and flags one without a permission (the check works)', async () => {
    const undeclared = t.app.routeCatalogue.filter((r) => r.permission === undefined).map((r) => `${r.method} ${r.url}`);
    expect(undeclared).toContain('GET /test-only/undeclared');
    const res = await t.app.inject({ method: 'GET', url: '/test-only/undeclared' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('leaked');
  });

  it('no application route is without one, and every one is a known permission', async () => {
    const app = routesOf(t).filter((r) => !r.url.startsWith('/test-only/'));
    expect(app.length).toBeGreaterThan(10);
    const bad = app.filter((r) => r.permission !== 'public' && !(PERMISSIONS as readonly string[]).includes(r.permission ?? ''));
    expect(bad.map((r) => `${r.method} ${r.url} → ${String(r.permission)}`)).toEqual([]);
  });
});

describe('route × role matrix', () => {
  let t: TestApp;
  const users = new Map<Role, TestUser>();
  beforeAll(async () => {
    t = await createTestApp();
    for (const role of ROLES) users.set(role, await createUser(t, { role, ministry: role === 'admin' || role === 'auditor' ? null : 'interior' }));
  });
  afterAll(() => t.close());

  it('answers 401 without a token, 403 to roles without the permission, and lets the others past the role check', async () => {
    const failures: string[] = [];
    const routes = routesOf(t);
    for (const route of routes) {
      const permission = declaredPermission(route);
      const anonymous = await call(t, route, undefined);
      if (anonymous.statusCode >= 500) failures.push(`${route.method} ${route.url} anonymous → ${anonymous.statusCode}`);
      if (permission !== 'public' && anonymous.statusCode !== 401) failures.push(`${route.method} ${route.url} anonymous → ${anonymous.statusCode}, expected 401`);
      if (permission === 'public' && anonymous.statusCode === 401) failures.push(`${route.method} ${route.url} is public but answered 401`);

      for (const role of ROLES) {
        // A fresh session per call: some routes (POST /auth/logout) end the session they are called with.
        const res = await call(t, route, await tokenFor(t, users.get(role)!));
        const code = problemCode(res);
        const label = `${route.method} ${route.url} as ${role} → ${res.statusCode} ${code}`;
        if (res.statusCode >= 500) failures.push(`${label} (5xx)`);
        const allowed = permission === 'public' || ROLE_PERMISSIONS[role].includes(permission);
        if (!allowed && (res.statusCode !== 403 || code !== 'auth.forbidden')) failures.push(`${label}, expected 403 auth.forbidden`);
        if (allowed && AUTH_HOOK_CODES.includes(code)) failures.push(`${label}, expected the role check to pass`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('admin has no access to case content: no application, document, interview or proposal permission', () => {
    const caseContent = PERMISSIONS.filter((p) => /^(applications|documents|interviews|flags|decisions|proposals|audit):/.test(p));
    expect(caseContent.length).toBeGreaterThan(0);
    for (const permission of caseContent) expect(ROLE_PERMISSIONS.admin).not.toContain(permission);
  });
});

describe('route matrix with STAFF_MFA=required and no second factor', () => {
  let t: TestApp;
  const users = new Map<Role, TestUser>();
  beforeAll(async () => {
    t = await createTestApp({ STAFF_MFA: 'required' });
    for (const role of ROLES) users.set(role, await createUser(t, { role, ministry: role === 'admin' || role === 'auditor' ? null : 'interior' }));
  });
  afterAll(() => t.close());

  it('lets staff reach only their own session routes; applicants are not affected', async () => {
    const failures: string[] = [];
    for (const route of routesOf(t)) {
      const permission = declaredPermission(route);
      if (permission === 'public') continue;
      for (const role of ROLES) {
        const res = await call(t, route, await tokenFor(t, users.get(role)!, { mfa: false }));
        const code = problemCode(res);
        const label = `${route.method} ${route.url} as ${role} → ${res.statusCode} ${code}`;
        if (res.statusCode >= 500) failures.push(`${label} (5xx)`);
        const roleAllows = ROLE_PERMISSIONS[role].includes(permission);
        if (role === 'applicant') {
          if (code === 'auth.mfa_required') failures.push(`${label}, applicants need no second factor`);
          continue;
        }
        if (permission === 'session:self') {
          if (AUTH_HOOK_CODES.includes(code)) failures.push(`${label}, expected enrolment routes to stay open`);
        } else if (roleAllows && (res.statusCode !== 403 || code !== 'auth.mfa_required')) {
          failures.push(`${label}, expected 403 auth.mfa_required`);
        } else if (!roleAllows && res.statusCode !== 403) {
          failures.push(`${label}, expected 403`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
