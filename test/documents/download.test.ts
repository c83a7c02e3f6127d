import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, tokenFor } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { auditOf, documentRows, multipart, officerWithCase, post, sha256, staffOf, tinyJpeg, tinyPdf, tinyPng, upload, type Officer } from './helpers.js';

/** Issue "Intake II", documents: listing and downloading, with the headers a download must carry. */

let t: TestApp;
let staffAuth: Record<string, string>;

interface Uploaded {
  id: string;
  fileName: string;
  mediaType: string;
}

interface Listed extends Uploaded {
  kind: string;
  size: number;
  sha256: string;
  uploadedAt: string;
  uploadedBy: { role: string; id: string | null };
  deletedAt: string | null;
  downloadUrl: string | null;
}

beforeAll(async () => {
  t = await createTestApp();
  staffAuth = (await staffOf(t, 'ministry_staff')).auth;
});
afterAll(() => t.close());

const officer = () => officerWithCase(t, staffAuth);
const get = (url: string, auth: Record<string, string>) => t.app.inject({ method: 'GET', url, headers: auth });

async function uploaded(me: Officer, file: { fileName: string; type?: string; content: Buffer }, auth = me.auth): Promise<Uploaded> {
  const res = await post(t, me.caseId, auth, upload(file));
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Uploaded>();
}

/** Uploads a file whose multipart header carries `disposition` as is (quotes, escapes, RFC 5987 names). */
function withDisposition(disposition: string, content = tinyPdf()) {
  return multipart([
    { name: 'kind', value: 'other' },
    { headers: [`Content-Disposition: form-data; name="file"; ${disposition}`, 'Content-Type: application/pdf'], body: content },
  ]);
}

describe('downloading a document', () => {
  it('gives back the very bytes uploaded, with exact headers', async () => {
    const me = await officer();
    const content = tinyJpeg();
    const doc = await uploaded(me, { fileName: 'front.jpg', type: 'image/jpeg', content });
    const res = await get(`/applications/${me.caseId}/documents/${doc.id}`, me.auth);
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(content)).toBe(true);
    expect(res.headers).toMatchObject({
      'content-type': 'image/jpeg',
      'content-length': String(content.length),
      'content-disposition': 'attachment; filename="front.jpg"',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; sandbox",
      'repr-digest': `sha-256=:${createHash('sha256').update(content).digest('base64')}:`,
    });
  });

  it('serves a 10 MiB document whole', async () => {
    const me = await officer();
    const content = tinyPdf(10 * 1024 * 1024);
    const doc = await uploaded(me, { fileName: 'big.pdf', type: 'application/pdf', content });
    const res = await get(`/applications/${me.caseId}/documents/${doc.id}`, staffAuth);
    expect(res.statusCode).toBe(200);
    expect(sha256(res.rawPayload)).toBe(sha256(content));
  });

  it.each([
    ['a path (traversal)', 'filename="../../etc/passwd.pdf"', 'passwd.pdf', 'attachment; filename="passwd.pdf"'],
    ['a Windows path', 'filename="..\\\\..\\\\Windows\\\\win.ini.pdf"', 'win.ini.pdf', 'attachment; filename="win.ini.pdf"'],
    ['quotes', 'filename="my \\"quoted\\" file.pdf"', 'my _quoted_ file.pdf', 'attachment; filename="my _quoted_ file.pdf"'],
    ['percent escapes as sent by browsers for CR-LF', 'filename="a%0D%0Ab.pdf"', 'a%0D%0Ab.pdf', `attachment; filename="a_0D_0Ab.pdf"; filename*=UTF-8''a%250D%250Ab.pdf`],
    ['Arabic in raw UTF-8', 'filename="هوية.pdf"', 'هوية.pdf', `attachment; filename="document.pdf"; filename*=UTF-8''%D9%87%D9%88%D9%8A%D8%A9.pdf`],
    ['Arabic and Latin', 'filename="شهادة law degree.pdf"', 'شهادة law degree.pdf', `attachment; filename="_ law degree.pdf"; filename*=UTF-8''%D8%B4%D9%87%D8%A7%D8%AF%D8%A9%20law%20degree.pdf`],
    ['a right-to-left override hiding the extension', 'filename="invoice\u202Efdp.exe"', 'invoicefdp.pdf', 'attachment; filename="invoicefdp.pdf"'],
    ['a tab and leading dots', 'filename="..\t.hidden.pdf"', 'hidden.pdf', 'attachment; filename="hidden.pdf"'],
    ['accents', 'filename="Relevé.pdf"', 'Relevé.pdf', `attachment; filename="Releve.pdf"; filename*=UTF-8''Relev%C3%A9.pdf`],
    ['a Windows device name', 'filename="CON.pdf"', '_CON.pdf', 'attachment; filename="_CON.pdf"'],
    ['nothing left of it', 'filename="..."', 'document.pdf', 'attachment; filename="document.pdf"'],
  ])('a file name with %s is kept clean and yields a safe header', async (_label, disposition, stored, header) => {
    const me = await officer();
    const res = await post(t, me.caseId, me.auth, withDisposition(disposition));
    expect(res.statusCode, res.body).toBe(201);
    const doc = res.json<Uploaded>();
    expect(doc.fileName).toBe(stored);
    const download = await get(`/applications/${me.caseId}/documents/${doc.id}`, me.auth);
    expect(download.headers['content-disposition']).toBe(header);
    expect(download.headers['content-disposition']).toMatch(/^[\x20-\x7E]+$/);
  });

  it('bounds a long file name, keeping its extension and whole characters (never half of a surrogate pair)', async () => {
    const me = await officer();
    const res = await post(t, me.caseId, me.auth, withDisposition(`filename="${'وثيقة📄'.repeat(40)}.pdf"`));
    expect(res.statusCode, res.body).toBe(201);
    const name = res.json<Uploaded>().fileName;
    expect(Array.from(name)).toHaveLength(120);
    expect(name.endsWith('.pdf')).toBe(true);
    expect(name).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });

  it('refuses a file name carrying a raw CR-LF (RFC 5987 form): the part is not taken and nothing is stored', async () => {
    const me = await officer();
    const res = await post(t, me.caseId, me.auth, withDisposition(`filename*=UTF-8''a%0D%0AContent-Type%3A%20text%2Fhtml.pdf`));
    expect(res.statusCode).toBe(400);
    expect(await documentRows(t, me.caseId)).toEqual([]);
  });

  it('records every download as a read of that document, with the case and its ministry', async () => {
    const me = await officer();
    const doc = await uploaded(me, { fileName: 'a.png', type: 'image/png', content: tinyPng() });
    for (const auth of [me.auth, staffAuth]) {
      const res = await get(`/applications/${me.caseId}/documents/${doc.id}`, auth);
      expect(res.statusCode).toBe(200);
      const entries = await auditOf(t, String(res.headers['x-request-id']));
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ action: 'read', entity_type: 'document', entity_id: doc.id, case_id: me.caseId, ministry: 'interior' });
      expect((JSON.parse(entries[0]!.canonical) as { details: unknown }).details).toEqual({ view: 'document_content' });
    }
  });

  it('lets an auditor and a committee member of the ministry download; another ministry’s staff and auditor get 404', async () => {
    const me = await officer();
    const doc = await uploaded(me, { fileName: 'a.png', type: 'image/png', content: tinyPng() });
    const url = `/applications/${me.caseId}/documents/${doc.id}`;
    const auditor = bearer(await tokenFor(t, await createUser(t, { role: 'auditor' })));
    expect((await get(url, auditor)).statusCode).toBe(200);
    expect((await get(url, (await staffOf(t, 'committee_member')).auth)).statusCode).toBe(200);
    expect((await get(url, (await staffOf(t, 'ministry_staff', 'defense')).auth)).statusCode).toBe(404);
    const defenseAuditor = bearer(await tokenFor(t, await createUser(t, { role: 'auditor', ministry: 'defense' })));
    expect((await get(url, defenseAuditor)).statusCode).toBe(404);
    expect((await get(url, bearer(await tokenFor(t, await createUser(t, { role: 'admin' }))))).statusCode).toBe(403);
  });

  it('answers 404 to another applicant, to a document id of another case, and to an unknown document', async () => {
    const me = await officer();
    const other = await officer();
    const mine = await uploaded(me, { fileName: 'a.png', type: 'image/png', content: tinyPng() });
    const theirs = await uploaded(other, { fileName: 'b.png', type: 'image/png', content: tinyPng() });
    const stranger = await get(`/applications/${me.caseId}/documents/${mine.id}`, other.auth);
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json<{ code: string }>().code).toBe('application.not_found');
    // Their document through my case: the case is mine, the document is not in it.
    const crossed = await get(`/applications/${me.caseId}/documents/${theirs.id}`, me.auth);
    expect(crossed.statusCode).toBe(404);
    expect(crossed.json<{ code: string }>().code).toBe('document.not_found');
    expect((await get(`/applications/${me.caseId}/documents/${theirs.id}`, staffAuth)).statusCode).toBe(404);
    expect((await get(`/applications/${me.caseId}/documents/00000000-0000-4000-8000-000000000000`, me.auth)).statusCode).toBe(404);
    expect((await get(`/applications/${me.caseId}/documents/not-a-uuid`, me.auth)).statusCode).toBe(400);
  });

  it('answers 410 document.erased for a removed document, and records no read', async () => {
    const me = await officer();
    const doc = await uploaded(me, { fileName: 'a.png', type: 'image/png', content: tinyPng() });
    expect((await t.app.inject({ method: 'DELETE', url: `/applications/${me.caseId}/documents/${doc.id}`, headers: me.auth })).statusCode).toBe(204);
    const res = await get(`/applications/${me.caseId}/documents/${doc.id}`, staffAuth);
    expect(res.statusCode).toBe(410);
    expect(res.json<{ code: string }>().code).toBe('document.erased');
    expect(await auditOf(t, String(res.headers['x-request-id']))).toEqual([]);
  });
});

describe('listing a case’s documents', () => {
  it('lists metadata only, oldest first; removed ones with deletedAt and no download', async () => {
    const me = await officer();
    const pdf = tinyPdf();
    const first = await uploaded(me, { fileName: 'one.pdf', type: 'application/pdf', content: pdf });
    const second = await uploaded(me, { fileName: 'two.png', type: 'image/png', content: tinyPng() });
    await t.app.inject({ method: 'DELETE', url: `/applications/${me.caseId}/documents/${second.id}`, headers: me.auth });
    const res = await get(`/applications/${me.caseId}/documents`, me.auth);
    expect(res.statusCode).toBe(200);
    const { items, nextCursor } = res.json<{ items: Listed[]; nextCursor: string | null }>();
    expect(nextCursor).toBeNull();
    expect(items).toEqual([
      {
        id: first.id,
        kind: 'national_id',
        fileName: 'one.pdf',
        mediaType: 'application/pdf',
        size: pdf.length,
        sha256: sha256(pdf),
        uploadedAt: expect.any(String) as unknown,
        uploadedBy: { role: 'applicant', id: me.user.id },
        deletedAt: null,
        downloadUrl: `/applications/${me.caseId}/documents/${first.id}`,
      },
      expect.objectContaining({ id: second.id, deletedAt: expect.any(String) as unknown, downloadUrl: null }) as unknown,
    ]);
    expect(res.body).not.toContain('content');
  });

  it('does not tell the owner which staff member uploaded a document; staff and auditors see it', async () => {
    const me = await officer();
    const member = await staffOf(t, 'committee_member');
    await uploaded(me, { fileName: 'a.png', type: 'image/png', content: tinyPng() }, member.auth);
    const asOwner = (await get(`/applications/${me.caseId}/documents`, me.auth)).json<{ items: Listed[] }>().items;
    expect(asOwner[0]!.uploadedBy).toEqual({ role: 'staff', id: null });
    const auditor = bearer(await tokenFor(t, await createUser(t, { role: 'auditor' })));
    const asAuditor = (await get(`/applications/${me.caseId}/documents`, auditor)).json<{ items: Listed[] }>().items;
    expect(asAuditor[0]!.uploadedBy).toEqual({ role: 'staff', id: member.user.id });
  });

  it('pages with limit and cursor', async () => {
    const me = await officer();
    const ids = [];
    for (let i = 0; i < 3; i += 1) ids.push((await uploaded(me, { fileName: `${i}.png`, type: 'image/png', content: tinyPng() })).id);
    const first = (await get(`/applications/${me.caseId}/documents?limit=2`, me.auth)).json<{ items: Listed[]; nextCursor: string }>();
    expect(first.items.map((d) => d.id)).toEqual(ids.slice(0, 2));
    const second = (await get(`/applications/${me.caseId}/documents?limit=2&cursor=${first.nextCursor}`, me.auth)).json<{ items: Listed[]; nextCursor: string | null }>();
    expect(second.items.map((d) => d.id)).toEqual(ids.slice(2));
    expect(second.nextCursor).toBeNull();
    expect((await get(`/applications/${me.caseId}/documents?cursor=bogus`, me.auth)).statusCode).toBe(400);
  });

  it('is a recorded read; another applicant and another ministry get 404', async () => {
    const me = await officer();
    const res = await get(`/applications/${me.caseId}/documents`, staffAuth);
    expect(res.statusCode).toBe(200);
    const entries = await auditOf(t, String(res.headers['x-request-id']));
    expect(entries).toEqual([expect.objectContaining({ action: 'read', entity_type: 'document', case_id: me.caseId, ministry: 'interior' })]);
    expect((await get(`/applications/${me.caseId}/documents`, (await officer()).auth)).statusCode).toBe(404);
    expect((await get(`/applications/${me.caseId}/documents`, (await staffOf(t, 'committee_member', 'defense')).auth)).statusCode).toBe(404);
  });
});
