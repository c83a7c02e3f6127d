import { sql } from 'drizzle-orm';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteEntry } from '../../src/http/auth.js';
import { queryRows } from '../../src/db/client.js';
import { applications } from '../../src/modules/applications/applications.table.js';
import { bearer, createCommittee, createUser, signIn, tokenFor, type TestUser } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { applicantBody } from '../intake/helpers.js';
import { tinyPng, upload } from '../documents/helpers.js';
import * as seeds from '../../seeds/reference.js';

/**
 * Generated from the route catalogue: every route that changes something must write an audit entry
 * carrying its request id, and every read of a person's record (case content, the audit log) must
 * write a read entry. Each such route needs a request below that succeeds; a route added without
 * one fails the coverage test, so no new route can skip its audit trail unnoticed.
 */

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Permissions that read a person's record: every route declaring one must leave a read entry. */
const PERSONAL_READS = new Set(['applications:read', 'applications:history', 'applications:duplicates', 'documents:read', 'audit:export']);

interface Fixture {
  /** A request that succeeds (2xx) and so must be audited. */
  request(): Promise<{ method: string; url: string; headers?: Record<string, string>; payload?: unknown }>;
}

let t: TestApp;
let admin: TestUser;
let adminAuth: Record<string, string>;
let member: TestUser;
let memberAuth: Record<string, string>;
let auditorAuth: Record<string, string>;
let committeeId: string;
const fixtures = new Map<string, Fixture>();

async function newCase(): Promise<string> {
  const [row] = await t.database.db
    .insert(applications)
    .values({ reference: `MOI-2026-${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`, ministry: 'interior', channel: 'walk_in', committeeId })
    .returning({ id: applications.id });
  return row!.id;
}

beforeAll(async () => {
  t = await createTestApp({ LOGIN_ADDRESS_MAX_FAILURES: '1000' });
  admin = await createUser(t, { role: 'admin' });
  adminAuth = bearer(await tokenFor(t, admin));
  member = await createUser(t, { role: 'committee_member', ministry: 'interior' });
  memberAuth = bearer(await tokenFor(t, member));
  auditorAuth = bearer(await tokenFor(t, await createUser(t, { role: 'auditor' })));
  committeeId = (await createCommittee(t, { members: [{ userId: member.id, chair: true }] })).id;

  const set = (method: string, url: string, request: Fixture['request']) => fixtures.set(`${method} ${url}`, { request });
  set('POST', '/auth/login', async () => {
    const user = await createUser(t, { role: 'ministry_staff' });
    return { method: 'POST', url: '/auth/login', payload: { email: user.email, password: user.password } };
  });
  set('POST', '/auth/refresh', async () => {
    const session = await signIn(t, await createUser(t, { role: 'ministry_staff' }));
    return { method: 'POST', url: '/auth/refresh', payload: { refreshToken: session.refreshToken } };
  });
  set('POST', '/auth/logout', async () => {
    const session = await signIn(t, await createUser(t, { role: 'ministry_staff' }));
    return { method: 'POST', url: '/auth/logout', headers: bearer(session.accessToken) };
  });
  set('POST', '/auth/mfa/enroll', async () => ({ method: 'POST', url: '/auth/mfa/enroll', headers: bearer(await tokenFor(t, await createUser(t, { role: 'auditor' }), { mfa: false })) }));
  set('POST', '/auth/mfa/confirm', async () => {
    const headers = bearer(await tokenFor(t, await createUser(t, { role: 'auditor' }), { mfa: false }));
    const { secret } = (await t.app.inject({ method: 'POST', url: '/auth/mfa/enroll', headers })).json<{ secret: string }>();
    return { method: 'POST', url: '/auth/mfa/confirm', headers, payload: { code: await generate({ secret }) } };
  });
  set('POST', '/auth/activate', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/users', headers: adminAuth, payload: { email: `act.${Date.now()}@example.test`, name: 'A', role: 'auditor' } });
    return { method: 'POST', url: '/auth/activate', payload: { code: created.json<{ activationCode: string }>().activationCode, password: 'olive-tree-harbour-1987' } };
  });
  set('POST', '/users', async () => ({ method: 'POST', url: '/users', headers: adminAuth, payload: { email: `u.${Math.random()}@example.test`, name: 'U', role: 'auditor' } }));
  set('PATCH', '/users/:id', async () => {
    const user = await createUser(t, { role: 'ministry_staff' });
    return { method: 'PATCH', url: `/users/${user.id}`, headers: { ...adminAuth, 'if-match': '"1"' }, payload: { name: 'Renamed' } };
  });
  set('POST', '/users/:id/activation', async () => ({ method: 'POST', url: `/users/${(await createUser(t, { role: 'ministry_staff' })).id}/activation`, headers: adminAuth }));
  set('POST', '/users/:id/resets', async () => ({
    method: 'POST',
    url: `/users/${(await createUser(t, { role: 'ministry_staff' })).id}/resets`,
    headers: adminAuth,
    payload: { kind: 'mfa' },
  }));
  set('POST', '/users/:id/resets/:resetId/confirm', async () => {
    const auditor = await createUser(t, { role: 'auditor' });
    const { resetId } = (await t.app.inject({ method: 'POST', url: `/users/${auditor.id}/activation`, headers: adminAuth })).json<{ resetId: string }>();
    const second = bearer(await tokenFor(t, await createUser(t, { role: 'admin' })));
    return { method: 'POST', url: `/users/${auditor.id}/resets/${resetId}/confirm`, headers: second };
  });
  set('POST', '/committees', async () => ({ method: 'POST', url: '/committees', headers: adminAuth, payload: { ministry: 'interior', name: `C ${Math.random()}` } }));
  set('PUT', '/committees/:id/members/:userId', async () => {
    const other = await createUser(t, { role: 'committee_member', ministry: 'interior' });
    return { method: 'PUT', url: `/committees/${committeeId}/members/${other.id}`, headers: adminAuth, payload: { chair: false } };
  });
  set('DELETE', '/committees/:id/members/:userId', async () => {
    const other = await createUser(t, { role: 'committee_member', ministry: 'interior' });
    await t.app.inject({ method: 'PUT', url: `/committees/${committeeId}/members/${other.id}`, headers: adminAuth, payload: { chair: false } });
    return { method: 'DELETE', url: `/committees/${committeeId}/members/${other.id}`, headers: adminAuth };
  });
  set('POST', '/applications/:id/actions/:action', async () => ({ method: 'POST', url: `/applications/${await newCase()}/actions/screen`, headers: memberAuth, payload: {} }));
  const staffAuth = bearer(await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry: 'interior' })));
  const walkIn = async () =>
    (await t.app.inject({ method: 'POST', url: '/applications', headers: staffAuth, payload: { applicant: applicantBody() } })).json<{ id: string; version: number }>();
  const newLink = async () =>
    (await t.app.inject({ method: 'POST', url: '/registration-links', headers: staffAuth, payload: { label: `Link ${Math.random()}` } })).json<{ id: string; token: string }>();
  set('POST', '/applications', async () => ({ method: 'POST', url: '/applications', headers: staffAuth, payload: { applicant: applicantBody() } }));
  set('PATCH', '/applications/:id', async () => {
    const created = await walkIn();
    return { method: 'PATCH', url: `/applications/${created.id}`, headers: { ...memberAuth, 'if-match': `"${created.version}"` }, payload: { applicant: { residenceCity: 'Mersin' } } };
  });
  set('POST', '/applications/import', async () => ({
    method: 'POST',
    url: '/applications/import',
    headers: { ...staffAuth, 'content-type': 'application/json' },
    payload: JSON.stringify([applicantBody()]),
  }));
  set('POST', '/applications/:id/applicant-account', async () => ({ method: 'POST', url: `/applications/${(await walkIn()).id}/applicant-account`, headers: staffAuth }));
  set('POST', '/registration-links', async () => ({ method: 'POST', url: '/registration-links', headers: staffAuth, payload: { label: 'Gaziantep camp' } }));
  set('POST', '/registration-links/:id/revoke', async () => ({ method: 'POST', url: `/registration-links/${(await newLink()).id}/revoke`, headers: staffAuth }));
  set('POST', '/register/:token', async () => ({
    method: 'POST',
    url: `/register/${(await newLink()).token}`,
    payload: { ...applicantBody({ email: `o.${Math.random()}@example.org` }), password: 'olive-tree-harbour-1987', consent: { accepted: true, textVersion: seeds.consentTexts.at(-1)!.version } },
  }));
  const pngUpload = () => upload({ fileName: 'card.png', type: 'image/png', content: tinyPng() });
  const uploadedDocument = async () => {
    const caseId = (await walkIn()).id;
    const body = pngUpload();
    const res = await t.app.inject({ method: 'POST', url: `/applications/${caseId}/documents`, headers: { ...staffAuth, ...body.headers }, payload: body.payload });
    return { caseId, docId: res.json<{ id: string }>().id };
  };
  set('POST', '/applications/:id/documents', async () => {
    const body = pngUpload();
    return { method: 'POST', url: `/applications/${(await walkIn()).id}/documents`, headers: { ...staffAuth, ...body.headers }, payload: body.payload };
  });
  set('DELETE', '/applications/:id/documents/:docId', async () => {
    const { caseId, docId } = await uploadedDocument();
    return { method: 'DELETE', url: `/applications/${caseId}/documents/${docId}`, headers: staffAuth };
  });
  // Personal reads.
  set('GET', '/applications/:id/documents', async () => ({ method: 'GET', url: `/applications/${(await uploadedDocument()).caseId}/documents`, headers: auditorAuth }));
  set('GET', '/applications/:id/documents/:docId', async () => {
    const { caseId, docId } = await uploadedDocument();
    return { method: 'GET', url: `/applications/${caseId}/documents/${docId}`, headers: auditorAuth };
  });
  set('GET', '/applications/:id', async () => ({ method: 'GET', url: `/applications/${(await walkIn()).id}`, headers: staffAuth }));
  set('GET', '/applications/:id/duplicates', async () => ({ method: 'GET', url: `/applications/${(await walkIn()).id}/duplicates`, headers: staffAuth }));
  set('GET', '/applications/:id/history', async () => ({ method: 'GET', url: `/applications/${await newCase()}/history`, headers: memberAuth }));
  set('GET', '/audit/export', async () => ({ method: 'GET', url: '/audit/export?action=read', headers: auditorAuth }));
});
afterAll(() => t.close());

function routes(): RouteEntry[] {
  return t.app.routeCatalogue.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS' && !r.url.startsWith('/docs'));
}

const mutating = () => routes().filter((r) => MUTATING.has(r.method));
const personalReads = () => routes().filter((r) => r.method === 'GET' && PERSONAL_READS.has(r.permission ?? ''));

describe('the route table', () => {
  it('has a succeeding request above for every route that changes something or reads a person’s record', () => {
    const missing = [...mutating(), ...personalReads()].map((r) => `${r.method} ${r.url}`).filter((key) => !fixtures.has(key));
    expect(missing).toEqual([]);
    expect(mutating().length).toBeGreaterThanOrEqual(15);
  });
});

async function entriesOf(requestId: string): Promise<{ action: string; outcome: string }[]> {
  await t.app.audit.flush();
  return queryRows(t.database.db, sql`select action, outcome from audit_log where request_id = ${requestId} order by seq`);
}

describe('every route that changes something writes an audit entry with its request id', () => {
  it('each mutating route, one after the other', async () => {
    for (const route of mutating()) {
      const request = await fixtures.get(`${route.method} ${route.url}`)!.request();
      const res = await t.app.inject(request as never);
      expect(res.statusCode, `${route.method} ${route.url}: ${res.body}`).toBeLessThan(300);
      const requestId = String(res.headers['x-request-id']);
      const entries = await entriesOf(requestId);
      expect(entries.length, `${route.method} ${route.url} wrote no audit entry with request id ${requestId}`).toBeGreaterThan(0);
    }
  });
});

describe('every read of a person’s record writes a read entry', () => {
  it('each personal read route, one after the other', async () => {
    expect(personalReads().length).toBeGreaterThanOrEqual(2);
    for (const route of personalReads()) {
      const request = await fixtures.get(`${route.method} ${route.url}`)!.request();
      const res = await t.app.inject(request as never);
      expect(res.statusCode, `${route.method} ${route.url}: ${res.body}`).toBe(200);
      const entries = await entriesOf(String(res.headers['x-request-id']));
      expect(
        entries.some((e) => e.action === 'read' && e.outcome === 'success'),
        `${route.method} ${route.url} left no read entry`,
      ).toBe(true);
    }
  });
});
