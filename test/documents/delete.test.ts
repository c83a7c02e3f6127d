import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { applications } from '../../src/modules/applications/applications.table.js';
import { bearer, createUser, tokenFor } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { auditOf, documentRows, officerWithCase, post, sha256, staffOf, tinyPdf, tinyPng, upload, type Officer } from './helpers.js';

/** Issue "Intake II", documents: removing a wrong upload before screening ends, and the 20 per case. */

let t: TestApp;
let staffAuth: Record<string, string>;

beforeAll(async () => {
  t = await createTestApp();
  staffAuth = (await staffOf(t, 'ministry_staff')).auth;
});
afterAll(() => t.close());

const officer = () => officerWithCase(t, staffAuth);
const png = (name = 'a.png') => upload({ fileName: name, type: 'image/png', content: tinyPng() });
const remove = (me: { caseId: string }, docId: string, auth: Record<string, string>) =>
  t.app.inject({ method: 'DELETE', url: `/applications/${me.caseId}/documents/${docId}`, headers: auth });

async function uploadedBy(me: Officer, auth: Record<string, string> = me.auth): Promise<string> {
  const res = await post(t, me.caseId, auth, png());
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}

async function setStatus(caseId: string, status: (typeof applications.$inferSelect)['status'], holdFrom: (typeof applications.$inferSelect)['holdFrom'] = null) {
  await t.database.db.update(applications).set({ status, holdFrom }).where(eq(applications.id, caseId));
}

describe('removing a document', () => {
  it('erases the bytes and keeps the record, with document.deleted in the audit trail beside document.uploaded', async () => {
    const me = await officer();
    const content = tinyPdf();
    const created = await post(t, me.caseId, me.auth, upload({ fileName: 'wrong.pdf', type: 'application/pdf', content }));
    const docId = created.json<{ id: string }>().id;
    const res = await remove(me, docId, me.auth);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    const [row] = await documentRows(t, me.caseId);
    expect(row).toMatchObject({ id: docId, has_content: false, sha256: sha256(content), size: content.length, file_name: 'wrong.pdf', deleted_at: expect.anything() as unknown });
    const [by] = await queryRows<{ deleted_by: string }>(t.database.db, sql`select deleted_by from documents where id = ${docId}`);
    expect(by!.deleted_by).toBe(me.user.id);
    const entries = await auditOf(t, String(res.headers['x-request-id']));
    expect(entries).toEqual([expect.objectContaining({ action: 'document.deleted', entity_type: 'document', entity_id: docId, case_id: me.caseId, ministry: 'interior' })]);
    expect((JSON.parse(entries[0]!.canonical) as { details: unknown }).details).toEqual({ kind: 'national_id', erased: true });
    const [uploadedEntry] = await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from audit_log where action = 'document.uploaded' and entity_id = ${docId}`);
    expect(uploadedEntry!.n).toBe(1);
  });

  it('answers 410 to a second removal and changes nothing; two at once: one 204, one 410', async () => {
    const me = await officer();
    const docId = await uploadedBy(me);
    expect((await remove(me, docId, me.auth)).statusCode).toBe(204);
    const again = await remove(me, docId, staffAuth);
    expect(again.statusCode).toBe(410);
    expect(again.json<{ code: string }>().code).toBe('document.erased');
    const [row] = await queryRows<{ deleted_by: string }>(t.database.db, sql`select deleted_by from documents where id = ${docId}`);
    expect(row!.deleted_by).toBe(me.user.id);

    const other = await uploadedBy(me);
    const statuses = (await Promise.all([remove(me, other, me.auth), remove(me, other, staffAuth)])).map((r) => r.statusCode).sort();
    expect(statuses).toEqual([204, 410]);
    const [count] = await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from audit_log where action = 'document.deleted' and entity_id = ${other}`);
    expect(count!.n).toBe(1);
  });

  it('lets a committee member and ministry staff remove any document of their ministry’s case', async () => {
    const me = await officer();
    const member = await staffOf(t, 'committee_member');
    expect((await remove(me, await uploadedBy(me), member.auth)).statusCode).toBe(204);
    expect((await remove(me, await uploadedBy(me, member.auth), staffAuth)).statusCode).toBe(204);
  });

  it('lets the owner remove only what they uploaded themselves (403 for a staff upload)', async () => {
    const me = await officer();
    const byStaff = await uploadedBy(me, staffAuth);
    const res = await remove(me, byStaff, me.auth);
    expect(res.statusCode).toBe(403);
    expect(res.json<{ code: string }>().code).toBe('document.not_uploader');
    expect((await documentRows(t, me.caseId))[0]!.has_content).toBe(true);
  });

  it('answers 404 to another applicant and another ministry’s staff, 403 to an auditor, 404 for a document of another case', async () => {
    const me = await officer();
    const other = await officer();
    const docId = await uploadedBy(me);
    expect((await remove(me, docId, other.auth)).statusCode).toBe(404);
    expect((await remove(me, docId, (await staffOf(t, 'ministry_staff', 'defense')).auth)).statusCode).toBe(404);
    const auditor = bearer(await tokenFor(t, await createUser(t, { role: 'auditor' })));
    expect((await remove(me, docId, auditor)).statusCode).toBe(403);
    // My document through their case (which they own): not in that case.
    const crossed = await remove(other, docId, other.auth);
    expect(crossed.statusCode).toBe(404);
    expect(crossed.json<{ code: string }>().code).toBe('document.not_found');
    expect((await documentRows(t, me.caseId))[0]!.has_content).toBe(true);
  });

  it('is allowed before screening ends: submitted, screening, on hold from either', async () => {
    const me = await officer();
    for (const [status, holdFrom] of [['submitted', null], ['screening', null], ['on_hold', 'submitted'], ['on_hold', 'screening']] as const) {
      await setStatus(me.caseId, 'submitted');
      const docId = await uploadedBy(me);
      await setStatus(me.caseId, status, holdFrom);
      expect((await remove(me, docId, me.auth)).statusCode, `${status}/${holdFrom}`).toBe(204);
    }
  });

  it.each([
    ['interview_scheduled', null],
    ['interviewed', null],
    ['on_hold', 'interview_scheduled'],
    ['eligible', null],
    ['ineligible', null],
    ['withdrawn', null],
  ] as const)('is refused once screening has ended (%s, held from %s): 409 document.locked, bytes kept', async (status, holdFrom) => {
    const me = await officer();
    const docId = await uploadedBy(me);
    await setStatus(me.caseId, status, holdFrom);
    for (const auth of [me.auth, staffAuth]) {
      const res = await remove(me, docId, auth);
      expect(res.statusCode).toBe(409);
      expect(res.json<{ code: string }>().code).toBe('document.locked');
    }
    expect((await documentRows(t, me.caseId))[0]!.has_content).toBe(true);
  });
});

describe('at most 20 documents per case', () => {
  async function fill(me: Officer, count: number) {
    for (let i = 0; i < count; i += 1) expect((await post(t, me.caseId, me.auth, png(`${i}.png`))).statusCode).toBe(201);
  }

  it('refuses the 21st with 409 document.limit_reached and stores nothing; a removal frees a place', async () => {
    const me = await officer();
    await fill(me, 20);
    const res = await post(t, me.caseId, staffAuth, png('21.png'));
    expect(res.statusCode).toBe(409);
    expect(res.json<{ code: string; detail: string }>()).toMatchObject({ code: 'document.limit_reached', detail: expect.stringContaining('20') as unknown });
    const rows = await documentRows(t, me.caseId);
    expect(rows).toHaveLength(20);
    expect((await remove(me, rows[0]!.id, me.auth)).statusCode).toBe(204);
    expect((await post(t, me.caseId, me.auth, png('again.png'))).statusCode).toBe(201);
    expect((await post(t, me.caseId, me.auth, png('over.png'))).statusCode).toBe(409);
    expect((await documentRows(t, me.caseId)).filter((r) => r.deleted_at === null)).toHaveLength(20);
  });

  it('holds exactly under concurrency: a case holding 19 gets exactly one of 8 parallel uploads', async () => {
    const me = await officer();
    await fill(me, 19);
    const member = await staffOf(t, 'committee_member');
    const callers = [me.auth, staffAuth, member.auth];
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => post(t, me.caseId, callers[i % callers.length]!, png(`race-${i}.png`))));
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    for (const refused of results.filter((r) => r.statusCode === 409)) expect(refused.json<{ code: string }>().code).toBe('document.limit_reached');
    expect(await documentRows(t, me.caseId)).toHaveLength(20);
    const [entries] = await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from audit_log where action = 'document.uploaded' and case_id = ${me.caseId}`);
    expect(entries!.n).toBe(20);
  });
});
