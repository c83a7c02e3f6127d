import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/access/roles.js';
import { queryRows } from '../../src/db/client.js';
import type { AuditItem } from '../../src/modules/audit/audit.query.js';
import { createTestApp, type TestApp } from '../harness.js';
import { bearer, createUser, tokenFor } from '../factories.js';

let t: TestApp;
let auditor: { id: string };
let auditorAuth: Record<string, string>;
let scopedAuth: Record<string, string>;
const caseA = crypto.randomUUID();
const caseB = crypto.randomUUID();
const staffId = crypto.randomUUID();
const memberId = crypto.randomUUID();
let startedAt: string;
let middle: string;

interface PageBody {
  items: AuditItem[];
  nextCursor: string | null;
}

beforeAll(async () => {
  t = await createTestApp();
  auditor = await createUser(t, { role: 'auditor' });
  auditorAuth = bearer(await tokenFor(t, auditor));
  scopedAuth = bearer(await tokenFor(t, await createUser(t, { role: 'auditor', ministry: 'interior' })));
  startedAt = new Date().toISOString();
  const staff = { actor: { id: staffId, role: 'ministry_staff' }, requestId: 'req-staff', clientAddress: '198.51.100.7' };
  const member = { actor: { id: memberId, role: 'committee_member' }, requestId: 'req-member', clientAddress: '198.51.100.8' };
  await t.app.audit.append(t.database.db, staff, [
    { action: 'application.created', entityType: 'application', entityId: caseA, caseId: caseA, ministry: 'interior', changes: { status: { after: 'submitted' } }, personal: { nationalId: { after: '03012345678' } } },
    { action: 'application.created', entityType: 'application', entityId: caseB, caseId: caseB, ministry: 'defense', changes: { status: { after: 'submitted' } } },
  ]);
  await new Promise((resolve) => setTimeout(resolve, 20));
  middle = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 20));
  for (let i = 0; i < 5; i++) {
    await t.app.audit.append(t.database.db, member, [
      { action: 'case.screen', entityType: 'application', entityId: caseA, caseId: caseA, ministry: 'interior', changes: { status: { before: 'submitted', after: 'screening' } }, details: { i } },
    ]);
  }
  await t.app.audit.read(staff, { entityType: 'application', entityId: caseB, caseId: caseB, ministry: 'defense' });
});
afterAll(() => t.close());

const get = (url: string, headers = auditorAuth) => t.app.inject({ method: 'GET', url, headers });

describe('GET /audit', () => {
  it('filters by entity, oldest first, with the canonical content and its hash', async () => {
    const res = await get(`/audit?entityType=application&entityId=${caseA}`);
    expect(res.statusCode).toBe(200);
    const body = res.json<PageBody>();
    expect(body.items.map((i) => i.action)).toEqual(['application.created', ...Array.from({ length: 5 }, () => 'case.screen')]);
    expect(body.items.map((i) => i.seq)).toEqual([...body.items.map((i) => i.seq)].sort((a, b) => a - b));
    expect(body.nextCursor).toBeNull();
    const first = body.items[0]!;
    expect(first).toMatchObject({ actor: { id: staffId, role: 'ministry_staff' }, requestId: 'req-staff', caseId: caseA, ministry: 'interior', outcome: 'success' });
    // The client address is location data: auditors see its keyed hash, which matches the same address elsewhere.
    expect(first.clientAddress).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(res.body).not.toContain('198.51.100.7');
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    // Personal data never appears in clear, in the log or in what auditors read.
    expect(res.body).not.toContain('03012345678');
    expect(first.changes.nationalId?.after).toMatch(/^hmac-sha256:/);
  });

  it('filters by actor, by action, and by time', async () => {
    const byActor = (await get(`/audit?actorId=${memberId}`)).json<PageBody>();
    expect(byActor.items).toHaveLength(5);
    expect(byActor.items.every((i) => i.actor?.id === memberId)).toBe(true);
    const reads = (await get(`/audit?action=read&entityId=${caseB}`)).json<PageBody>();
    expect(reads.items).toHaveLength(1);
    expect(reads.items[0]).toMatchObject({ action: 'read', entityType: 'application', entityId: caseB });
    const before = (await get(`/audit?from=${encodeURIComponent(startedAt)}&to=${encodeURIComponent(middle)}`)).json<PageBody>();
    expect(before.items.map((i) => i.entityId).sort()).toEqual([caseA, caseB].sort());
    const after = (await get(`/audit?entityId=${caseA}&from=${encodeURIComponent(middle)}`)).json<PageBody>();
    expect(after.items).toHaveLength(5);
    const none = (await get(`/audit?actorId=${memberId}&action=application.create`)).json<PageBody>();
    expect(none.items).toEqual([]);
  });

  it('pages with a cursor: every entry once, in order; desc order too', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`/audit?entityId=${caseA}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const body = res.json<PageBody>();
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((i) => i.seq));
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(6);
    expect(seen).toEqual([...new Set(seen)].sort((a, b) => a - b));
    const desc = (await get(`/audit?entityId=${caseA}&order=desc&limit=4`)).json<PageBody>();
    expect(desc.items.map((i) => i.seq)).toEqual([...seen].reverse().slice(0, 4));
    const rest = (await get(`/audit?entityId=${caseA}&order=desc&limit=4&cursor=${desc.nextCursor}`)).json<PageBody>();
    expect(rest.items.map((i) => i.seq)).toEqual([...seen].reverse().slice(4));
  });

  it('defaults to 50 per page and refuses more than 200', async () => {
    for (let i = 0; i < 6; i++) {
      await t.app.audit.append(
        t.database.db,
        { actor: null, requestId: null, clientAddress: null },
        Array.from({ length: 10 }, () => ({ action: 'proposal.recomputed' as const, entityType: 'proposal' })),
      );
    }
    const page = (await get('/audit?action=proposal.recomputed')).json<PageBody>();
    expect(page.items).toHaveLength(50);
    expect(page.nextCursor).not.toBeNull();
    expect((await get('/audit?limit=201')).statusCode).toBe(400);
    expect((await get('/audit?limit=0')).statusCode).toBe(400);
  });

  it.each([
    ['a malformed cursor', '/audit?cursor=bm9wZQ', 'request.invalid_cursor'],
    ['an unknown filter', '/audit?religion=x', 'request.validation_failed'],
    ['an unknown ministry', '/audit?ministry=finance', 'request.validation_failed'],
    ['a malformed actor id', '/audit?actorId=12', 'request.validation_failed'],
    ['a malformed time', '/audit?from=yesterday', 'request.validation_failed'],
  ])('%s is a 400', async (_what, url, code) => {
    const res = await get(url);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code });
  });
});

describe('GET /audit/export', () => {
  it('streams JSON Lines with the same entries as the query, and is itself recorded', async () => {
    const res = await get(`/audit/export?entityId=${caseA}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/jsonl; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="audit-.*\.jsonl"$/);
    expect(res.body.endsWith('\n')).toBe(true);
    const lines = res.body.trimEnd().split('\n').map((line) => JSON.parse(line) as AuditItem);
    const queried = (await get(`/audit?entityId=${caseA}`)).json<PageBody>().items;
    expect(lines).toEqual(queried);
    const [entry] = await queryRows<{ actor_id: string; action: string; entity_type: string; canonical: string }>(
      t.database.db,
      sql`select actor_id::text, action, entity_type, canonical from audit_log where entity_type = 'audit_log' and action = 'read' order by seq desc limit 1`,
    );
    expect(entry).toMatchObject({ actor_id: auditor.id, action: 'read', entity_type: 'audit_log' });
    expect((JSON.parse(entry!.canonical) as { details: unknown }).details).toEqual({ export: 'jsonl', filters: { entityId: caseA } });
  });

  it('exports across batch boundaries in chain order', async () => {
    const res = await get('/audit/export');
    const seqs = res.body.trimEnd().split('\n').map((line) => (JSON.parse(line) as AuditItem).seq);
    expect(seqs.length).toBeGreaterThan(60);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  });
});

describe('who may read the audit log', () => {
  const routes = ['/audit', '/audit/export', '/audit/verify', '/audit/checkpoints'];

  it.each(['committee_member', 'ministry_staff', 'admin', 'applicant'] satisfies Role[])('%s gets 403 on every audit route', async (role) => {
    const user = await createUser(t, { role });
    for (const url of routes) {
      const res = await get(url, bearer(await tokenFor(t, user)));
      expect(res.statusCode, url).toBe(403);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('no token → 401', async () => {
    for (const url of routes) expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(401);
  });

  it('an auditor scoped to one ministry queries and exports exactly that ministry’s entries, and may verify', async () => {
    const page = await get('/audit', scopedAuth);
    expect(page.statusCode).toBe(200);
    const items = page.json<PageBody>().items;
    expect(items.map((i) => i.action)).toEqual(['application.created', ...Array.from({ length: 5 }, () => 'case.screen')]);
    expect(items.every((i) => i.ministry === 'interior' && i.caseId === caseA)).toBe(true);
    expect(page.body).not.toContain(caseB);
    // Another ministry's entries are not there to ask for.
    expect((await get('/audit?ministry=defense', scopedAuth)).json<PageBody>()).toEqual({ items: [], nextCursor: null });
    expect((await get(`/audit?caseId=${caseB}`, scopedAuth)).json<PageBody>().items).toEqual([]);
    const exported = await get('/audit/export', scopedAuth);
    expect(exported.statusCode).toBe(200);
    const lines = exported.body.trim().split('\n').map((line) => JSON.parse(line) as AuditItem);
    // The entries; the export's own read entry is written once it has streamed, so it comes after.
    expect(lines.map((l) => l.seq)).toEqual(items.map((i) => i.seq));
    const after = (await get(`/audit?order=desc&limit=1&action=read`, scopedAuth)).json<PageBody>().items[0];
    expect(after).toMatchObject({ action: 'read', entityType: 'audit_log', ministry: 'interior', outcome: 'success' });
    expect(after!.seq).toBeGreaterThan(lines.at(-1)!.seq);
    expect((await get('/audit/export?ministry=defense', scopedAuth)).body).toBe('');
    expect((await get('/audit/verify', scopedAuth)).statusCode).toBe(200);
    expect((await get('/audit/checkpoints', scopedAuth)).statusCode).toBe(200);
    // The unscoped auditor sees both ministries, and filters by one.
    expect((await get('/audit?ministry=defense')).json<PageBody>().items.map((i) => i.caseId)).toEqual([caseB, caseB]);
  });

  it('an unscoped auditor reads everything', async () => {
    for (const url of routes) expect((await get(url)).statusCode, url).toBe(200);
  });
});
