import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applications } from '../../src/modules/applications/applications.table.js';
import { bearer, createUser, tokenFor } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import {
  auditOf,
  documentRows,
  multipart,
  officerWithCase,
  post,
  sha256,
  staffOf,
  tinyGif,
  tinyJpeg,
  tinyPdf,
  tinyPng,
  upload,
  zipBomb,
  zipOf,
  type Officer,
} from './helpers.js';

/** Issue "Intake II", documents: uploads, and every bad input the issue lists. */

const MiB = 1024 * 1024;
let t: TestApp;
let staffAuth: Record<string, string>;

interface Uploaded {
  id: string;
  kind: string;
  fileName: string;
  mediaType: string;
  size: number;
  sha256: string;
  uploadedAt: string;
}

beforeAll(async () => {
  t = await createTestApp();
  staffAuth = (await staffOf(t, 'ministry_staff')).auth;
});
afterAll(() => t.close());

const officer = () => officerWithCase(t, staffAuth);

describe('uploading a document', () => {
  it.each([
    ['a PDF', 'diploma.pdf', 'application/pdf', tinyPdf(), 'application/pdf'],
    ['a JPEG', 'id-front.jpeg', 'image/jpeg', tinyJpeg(), 'image/jpeg'],
    ['a PNG', 'service card.png', 'image/png', tinyPng(), 'image/png'],
  ])('accepts %s: 201 with its detected type, size and SHA-256, the bytes stored as sent', async (_label, fileName, type, content, mediaType) => {
    const me = await officer();
    const res = await post(t, me.caseId, me.auth, upload({ fileName, type, content }, 'degree'));
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json<Uploaded>();
    expect(body).toEqual({ id: expect.any(String) as unknown, kind: 'degree', fileName, mediaType, size: content.length, sha256: sha256(content), uploadedAt: expect.any(String) as unknown });
    const [row] = await documentRows(t, me.caseId);
    expect(row).toMatchObject({ id: body.id, media_type: mediaType, size: content.length, sha256: sha256(content), has_content: true, deleted_at: null });
  });

  it('takes the parts in either order: the file first, then the kind', async () => {
    const me = await officer();
    const body = multipart([
      { name: 'file', fileName: 'card.png', type: 'image/png', content: tinyPng() },
      { name: 'kind', value: 'service_id' },
    ]);
    const res = await post(t, me.caseId, me.auth, body);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json<Uploaded>().kind).toBe('service_id');
  });

  it('writes document.uploaded with the case, its ministry and the file’s facts; the file name only as a keyed hash', async () => {
    const me = await officer();
    const content = tinyPdf();
    const res = await post(t, me.caseId, me.auth, upload({ fileName: 'محمد-هوية.pdf', type: 'application/pdf', content }));
    expect(res.statusCode).toBe(201);
    const entries = await auditOf(t, String(res.headers['x-request-id']));
    const entry = entries.find((e) => e.action === 'document.uploaded');
    expect(entry).toMatchObject({ entity_type: 'document', entity_id: res.json<Uploaded>().id, case_id: me.caseId, ministry: 'interior' });
    const canonical = JSON.parse(entry!.canonical) as { details: Record<string, unknown>; changes: Record<string, { after: unknown }> };
    expect(canonical.details).toMatchObject({ kind: 'national_id', mediaType: 'application/pdf', size: content.length, sha256: sha256(content), declaredTypeMatched: true });
    expect(entry!.canonical).not.toContain('محمد');
    expect(String(canonical.changes.fileName!.after)).not.toContain('pdf');
  });

  it('lets a committee member and ministry staff of the case’s ministry upload too', async () => {
    const me = await officer();
    const member = await staffOf(t, 'committee_member');
    expect((await post(t, me.caseId, member.auth, upload({ fileName: 'a.png', type: 'image/png', content: tinyPng() }))).statusCode).toBe(201);
    expect((await post(t, me.caseId, staffAuth, upload({ fileName: 'b.png', type: 'image/png', content: tinyPng() }))).statusCode).toBe(201);
    expect(await documentRows(t, me.caseId)).toHaveLength(2);
  });
});

describe('the type comes from the bytes, never from the name or the declared type', () => {
  it('a PNG named .pdf and declared application/pdf is caught: kept as image/png under .png', async () => {
    const me = await officer();
    const content = tinyPng();
    const res = await post(t, me.caseId, me.auth, upload({ fileName: 'scan.pdf', type: 'application/pdf', content }));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json<Uploaded>()).toMatchObject({ mediaType: 'image/png', fileName: 'scan.png', sha256: sha256(content) });
    const entries = await auditOf(t, String(res.headers['x-request-id']));
    const uploadedEntry = entries.find((e) => e.action === 'document.uploaded')!;
    expect((JSON.parse(uploadedEntry.canonical) as { details: unknown }).details).toMatchObject({ mediaType: 'image/png', declaredTypeMatched: false });
    const download = await t.app.inject({ method: 'GET', url: `/applications/${me.caseId}/documents/${res.json<Uploaded>().id}`, headers: me.auth });
    expect(download.headers['content-type']).toBe('image/png');
  });

  it('keeps an extension that already matches (JPG in capitals, .jpeg), adds one where there is none', async () => {
    const me = await officer();
    const names = [];
    for (const fileName of ['PHOTO.JPG', 'photo.jpeg', 'no-extension']) {
      const res = await post(t, me.caseId, me.auth, upload({ fileName, type: 'application/octet-stream', content: tinyJpeg() }));
      names.push(res.json<Uploaded>().fileName);
    }
    expect(names).toEqual(['PHOTO.JPG', 'photo.jpeg', 'no-extension.jpg']);
  });

  it.each([
    ['a GIF named .png', 'photo.png', 'image/png', tinyGif(), 'document.type_not_accepted', 'image/gif'],
    ['a zip named .pdf', 'papers.pdf', 'application/pdf', zipOf('id.pdf', tinyPdf()), 'document.type_not_accepted', 'application/zip'],
    ['a zip bomb', 'bomb.pdf', 'application/pdf', zipBomb(), 'document.type_not_accepted', 'application/zip'],
    ['a zip with a PDF appended (polyglot, archive first)', 'both.pdf', 'application/pdf', Buffer.concat([zipOf('a.txt', Buffer.from('x')), tinyPdf()]), 'document.type_not_accepted', 'application/zip'],
    ['plain text named .pdf', 'notes.pdf', 'application/pdf', Buffer.from('just some text, not a document\n'), 'document.type_unknown', null],
    ['HTML named .png', 'x.png', 'image/png', Buffer.from('<html><script>alert(1)</script></html>'), 'document.type_unknown', null],
  ])('refuses %s with 415 naming what the bytes are, and stores nothing', async (_label, fileName, type, content, code, detected) => {
    const me = await officer();
    const res = await post(t, me.caseId, me.auth, upload({ fileName, type, content }));
    expect(res.statusCode, res.body).toBe(415);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = res.json<{ code: string; detail: string; detectedMediaType: string | null; acceptedMediaTypes: string[] }>();
    expect(problem).toMatchObject({ code, detectedMediaType: detected, acceptedMediaTypes: ['application/pdf', 'image/jpeg', 'image/png'] });
    if (detected) expect(problem.detail).toContain(detected);
    expect(await documentRows(t, me.caseId)).toEqual([]);
  });

  it.each([
    ['a PDF with a zip (a zip bomb) appended', tinyPdf(), 'application/pdf'],
    ['a JPEG with a zip appended', tinyJpeg(), 'image/jpeg'],
  ])('stores %s only as the type its bytes prove, and serves it only as that', async (_label, head, mediaType) => {
    const me = await officer();
    const content = Buffer.concat([head, zipBomb()]);
    const res = await post(t, me.caseId, me.auth, upload({ fileName: 'archive.zip', type: 'application/zip', content }));
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json<Uploaded>();
    expect(body).toMatchObject({ mediaType, size: content.length, sha256: sha256(content) });
    expect(body.fileName).not.toMatch(/\.zip$/);
    const download = await t.app.inject({ method: 'GET', url: `/applications/${me.caseId}/documents/${body.id}`, headers: me.auth });
    expect(download.headers['content-type']).toBe(mediaType);
    expect(download.headers['content-disposition']).toMatch(/^attachment;/);
    expect(download.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses an empty file with 400 and stores nothing', async () => {
    const me = await officer();
    const res = await post(t, me.caseId, me.auth, upload({ fileName: 'empty.pdf', type: 'application/pdf', content: Buffer.alloc(0) }));
    expect(res.statusCode).toBe(400);
    expect(res.json<{ code: string }>().code).toBe('document.empty');
    expect(await documentRows(t, me.caseId)).toEqual([]);
  });
});

describe('size', () => {
  it('accepts a file of exactly 10 MiB', async () => {
    const me = await officer();
    const content = tinyPdf(10 * MiB);
    const res = await post(t, me.caseId, me.auth, upload({ fileName: 'big.pdf', type: 'application/pdf', content }));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json<Uploaded>()).toMatchObject({ size: 10 * MiB, sha256: sha256(content) });
  });

  it('refuses 10 MiB + 1 byte with 413 problem+json, and stores nothing', async () => {
    const me = await officer();
    const res = await post(t, me.caseId, me.auth, upload({ fileName: 'big.pdf', type: 'application/pdf', content: tinyPdf(10 * MiB + 1) }));
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json<{ code: string; detail: string }>()).toMatchObject({ code: 'document.too_large', detail: expect.stringContaining('10485760') as unknown });
    expect(await documentRows(t, me.caseId)).toEqual([]);
  });

  it('refuses a body declaring more than one file’s worth with 413 before reading it', async () => {
    const me = await officer();
    const body = upload({ fileName: 'a.png', type: 'image/png', content: tinyPng() });
    const res = await t.app.inject({
      method: 'POST',
      url: `/applications/${me.caseId}/documents`,
      headers: { ...me.auth, ...body.headers, 'content-length': String(50 * MiB) },
      payload: body.payload,
    });
    expect(res.statusCode).toBe(413);
    expect(res.json<{ code: string }>().code).toBe('document.too_large');
  });

  it('leaves the global JSON body limit as it was for every other route', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/applications', headers: { ...staffAuth, 'content-type': 'application/json' }, payload: `{"applicant":"${'x'.repeat(2 * MiB)}"}` });
    expect(res.statusCode).toBe(413);
    expect(res.json<{ code: string }>().code).toBe('request.body_too_large');
  });
});

describe('malformed uploads', () => {
  const valid = (): Parameters<typeof multipart>[0] => [
    { name: 'kind', value: 'national_id' },
    { name: 'file', fileName: 'a.png', type: 'image/png', content: tinyPng() },
  ];

  it.each([
    ['an unknown kind', [{ name: 'kind', value: 'passport' }, { name: 'file', fileName: 'a.png', type: 'image/png', content: tinyPng() }], '/body/kind'],
    ['no kind', [{ name: 'file', fileName: 'a.png', type: 'image/png', content: tinyPng() }], '/body/kind'],
    ['no file', [{ name: 'kind', value: 'national_id' }], '/body/file'],
    ['the file sent as a plain field (no file name)', [{ name: 'kind', value: 'national_id' }, { name: 'file', value: 'PNG' }], '/body/file'],
    ['an unknown field', [...[{ name: 'kind', value: 'national_id' }, { name: 'file', fileName: 'a.png', type: 'image/png', content: tinyPng() }], { name: 'religion', value: 'x' }], '/body/religion'],
    ['the kind twice', [{ name: 'kind', value: 'national_id' }, { name: 'kind', value: 'degree' }, { name: 'file', fileName: 'a.png', type: 'image/png', content: tinyPng() }], '/body/kind'],
  ] as const)('refuses %s with 400 naming the field, and stores nothing', async (_label, parts, path) => {
    const me = await officer();
    const res = await post(t, me.caseId, me.auth, multipart([...parts]));
    expect(res.statusCode, res.body).toBe(400);
    const problem = res.json<{ code: string; errors: { path: string }[] }>();
    expect(problem.code).toBe('request.validation_failed');
    expect(problem.errors.map((e) => e.path)).toContain(path);
    expect(await documentRows(t, me.caseId)).toEqual([]);
  });

  it('refuses two files in one request (400 document.one_file), storing neither', async () => {
    const me = await officer();
    const res = await post(t, me.caseId, me.auth, multipart([...valid(), { name: 'file', fileName: 'b.png', type: 'image/png', content: tinyPng() }]));
    expect(res.statusCode).toBe(400);
    expect(res.json<{ code: string }>().code).toBe('document.one_file');
    expect(await documentRows(t, me.caseId)).toEqual([]);
  });

  it('refuses a NUL in the kind or in the file name (400 invalid_characters), yet takes NUL bytes inside the file', async () => {
    const me = await officer();
    expect(tinyPng().includes(0)).toBe(true);
    const nulKind = await post(t, me.caseId, me.auth, multipart([{ name: 'kind', value: 'national_id\u0000' }, valid()[1]!]));
    expect(nulKind.statusCode).toBe(400);
    expect(nulKind.json<{ code: string; errors: { path: string }[] }>()).toMatchObject({ code: 'request.invalid_characters', errors: [{ path: '/body/kind' }] });
    const nulName = await post(t, me.caseId, me.auth, multipart([valid()[0]!, { name: 'file', fileName: 'a\u0000.png', type: 'image/png', content: tinyPng() }]));
    expect(nulName.statusCode).toBe(400);
    expect(nulName.json<{ code: string; errors: { path: string }[] }>()).toMatchObject({ code: 'request.invalid_characters', errors: [{ path: '/body/file/fileName' }] });
    expect(await documentRows(t, me.caseId)).toEqual([]);
    expect((await post(t, me.caseId, me.auth, multipart(valid()))).statusCode).toBe(201);
  });

  it('answers 415 to a JSON body and 400 to a multipart body that is cut off or has no boundary', async () => {
    const me = await officer();
    const json = await t.app.inject({ method: 'POST', url: `/applications/${me.caseId}/documents`, headers: me.auth, payload: { kind: 'national_id', file: 'iVBORw0KGgo=' } });
    expect(json.statusCode).toBe(415);
    const whole = multipart(valid());
    const cut = await post(t, me.caseId, me.auth, { headers: whole.headers, payload: whole.payload.subarray(0, whole.payload.length - 40) });
    expect(cut.statusCode).toBe(400);
    expect(cut.json<{ code: string }>().code).toBe('document.malformed_multipart');
    const noBoundary = await post(t, me.caseId, me.auth, { headers: { 'content-type': 'multipart/form-data' }, payload: whole.payload });
    expect(noBoundary.statusCode).toBe(400);
    expect(await documentRows(t, me.caseId)).toEqual([]);
  });

  it('answers 400 to a case id that is not a UUID', async () => {
    const me = await officer();
    const res = await post(t, 'not-a-uuid', me.auth, multipart(valid()));
    expect(res.statusCode).toBe(400);
  });
});

describe('who may upload', () => {
  const png = () => upload({ fileName: 'a.png', type: 'image/png', content: tinyPng() });

  it('answers 404 to an upload to another applicant’s case, storing nothing', async () => {
    const me = await officer();
    const other: Officer = await officer();
    const res = await post(t, me.caseId, other.auth, png());
    expect(res.statusCode).toBe(404);
    expect(res.json<{ code: string }>().code).toBe('application.not_found');
    expect(await documentRows(t, me.caseId)).toEqual([]);
  });

  it('answers 404 to another ministry’s staff and committee members, and to a case that does not exist', async () => {
    const me = await officer();
    for (const role of ['ministry_staff', 'committee_member'] as const) {
      const defense = await staffOf(t, role, 'defense');
      expect((await post(t, me.caseId, defense.auth, png())).statusCode).toBe(404);
    }
    expect((await post(t, '00000000-0000-4000-8000-000000000000', staffAuth, png())).statusCode).toBe(404);
    expect(await documentRows(t, me.caseId)).toEqual([]);
  });

  it('answers 403 to an auditor and an admin (their roles upload nothing), before reading the body', async () => {
    const me = await officer();
    for (const role of ['auditor', 'admin'] as const) {
      const auth = bearer(await tokenFor(t, await createUser(t, { role })));
      const res = await post(t, me.caseId, auth, png());
      expect(res.statusCode).toBe(403);
      expect(res.json<{ code: string }>().code).toBe('auth.forbidden');
    }
    expect((await post(t, me.caseId, {}, png())).statusCode).toBe(401);
    expect(await documentRows(t, me.caseId)).toEqual([]);
  });

  it.each(['withdrawn', 'merged', 'assigned'] as const)('answers 409 document.case_closed on a %s case, to the owner and to staff', async (status) => {
    const me = await officer();
    await t.database.db.update(applications).set({ status }).where(eq(applications.id, me.caseId));
    for (const auth of [me.auth, staffAuth]) {
      const res = await post(t, me.caseId, auth, png());
      expect(res.statusCode).toBe(409);
      expect(res.json<{ code: string }>().code).toBe('document.case_closed');
    }
    expect(await documentRows(t, me.caseId)).toEqual([]);
  });

  it('still takes documents while the case is screened, on hold, or ineligible within its appeal window', async () => {
    const me = await officer();
    for (const [status, holdFrom] of [['screening', null], ['on_hold', 'screening'], ['interviewed', null], ['ineligible', null]] as const) {
      await t.database.db.update(applications).set({ status, holdFrom }).where(eq(applications.id, me.caseId));
      expect((await post(t, me.caseId, me.auth, png())).statusCode, status).toBe(201);
    }
  });
});
