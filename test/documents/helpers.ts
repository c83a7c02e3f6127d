import { eq, sql } from 'drizzle-orm';
import { createHash, randomBytes } from 'node:crypto';
import { crc32, deflateRawSync, deflateSync } from 'node:zlib';
import { queryRows } from '../../src/db/client.js';
import { applications } from '../../src/modules/applications/applications.table.js';
import { bearer, createUser, tokenFor, type TestUser } from '../factories.js';
import type { TestApp } from '../harness.js';
import { applicantBody } from '../intake/helpers.js';

/** Small real files, built here with their real signatures and structure. */

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A 1×1 RGBA PNG. */
export function tinyPng(): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(1, 0);
  header.writeUInt32BE(1, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(6, 9); // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.from([0, 0x2e, 0x7d, 0x32, 0xff]))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A 1×1 JPEG (JFIF, arithmetic-coded: the smallest well-formed one). */
export function tinyJpeg(): Buffer {
  return Buffer.from(
    'ffd8ffe000104a46494600010101004800480000ffdb004300030202020202030202020303030304060404040404080606050609080a0a090809090a0c0f0c0a0b0e0b09090d110d0e0f101011100a0c12131210130f101010ffc9000b080001000101011100ffcc000600101005ffda0008010100003f00d2cf20ffd9',
    'hex',
  );
}

function pdfWith(comment: string): Buffer {
  const objects = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>', '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>'];
  let text = `%PDF-1.4\n${comment}`;
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(text.length);
    text += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = text.length;
  text += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  text += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(text, 'latin1');
}

/** A one-page PDF with a correct cross-reference table; `size` pads it (a comment line) to exactly that many bytes. */
export function tinyPdf(size?: number): Buffer {
  if (size === undefined) return pdfWith('');
  let filler = size - pdfWith('%\n').length;
  for (;;) {
    const pdf = pdfWith(`%${'x'.repeat(filler)}\n`);
    if (pdf.length === size) return pdf;
    filler += size - pdf.length;
  }
}

export function tinyGif(): Buffer {
  return Buffer.from('474946383961010001000000002c00000000010001000002024401003b', 'hex');
}

/** A zip with one entry, as written by any zip tool (local header, data, central directory, end record). */
export function zipOf(name: string, data: Buffer): Buffer {
  const compressed = deflateRawSync(data, { level: 9 });
  const fileName = Buffer.from(name, 'utf8');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt32LE(crc32(data), 14);
  local.writeUInt32LE(compressed.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc32(data), 16);
  central.writeUInt32LE(compressed.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const localPart = Buffer.concat([local, fileName, compressed]);
  const centralPart = Buffer.concat([central, fileName]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(centralPart.length, 12);
  end.writeUInt32LE(localPart.length, 16);
  return Buffer.concat([localPart, centralPart, end]);
}

let bomb: Buffer | undefined;
/** A zip bomb: 100 MiB of zeros deflated to about 100 KB, in the entry file-type opens to tell Office files from plain zips. */
export function zipBomb(): Buffer {
  return (bomb ??= zipOf('[Content_Types].xml', Buffer.alloc(100 * 1024 * 1024, 0)));
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export type Part =
  | { name: string; value: string }
  | { name: string; fileName: string; type?: string; content: Buffer }
  /** A part written exactly as given: its header lines (without the final blank line) and its body. */
  | { headers: string[]; body: Buffer | string };

/** A multipart/form-data body as a browser sends it (file names in raw UTF-8). */
export function multipart(parts: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----docs${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let headers: string[];
    let body: Buffer;
    if ('headers' in part) {
      headers = part.headers;
      body = Buffer.isBuffer(part.body) ? part.body : Buffer.from(part.body, 'utf8');
    } else if ('value' in part) {
      headers = [`Content-Disposition: form-data; name="${part.name}"`];
      body = Buffer.from(part.value, 'utf8');
    } else {
      headers = [`Content-Disposition: form-data; name="${part.name}"; filename="${part.fileName}"`, `Content-Type: ${part.type ?? 'application/octet-stream'}`];
      body = part.content;
    }
    chunks.push(Buffer.from(`--${boundary}\r\n${headers.join('\r\n')}\r\n\r\n`, 'utf8'), body, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** The usual upload: `kind` first, then the file. */
export function upload(file: { fileName: string; type?: string; content: Buffer }, kind = 'national_id') {
  return multipart([
    { name: 'kind', value: kind },
    { name: 'file', ...file },
  ]);
}

export interface Officer {
  user: TestUser;
  auth: Record<string, string>;
  caseId: string;
}

/** Ministry staff of `ministry`, with a token. */
export async function staffOf(t: TestApp, role: 'ministry_staff' | 'committee_member', ministry = 'interior') {
  const user = await createUser(t, { role, ministry });
  return { user, auth: bearer(await tokenFor(t, user)) };
}

/** An officer with a signed-in account and their own case (walk-in entry, then an account linked to it). */
export async function officerWithCase(t: TestApp, staffAuth: Record<string, string>): Promise<Officer> {
  const created = await t.app.inject({ method: 'POST', url: '/applications', headers: staffAuth, payload: { applicant: applicantBody() } });
  if (created.statusCode !== 201) throw new Error(`walk-in failed: ${created.body}`);
  const caseId = created.json<{ id: string }>().id;
  const user = await createUser(t, { role: 'applicant', ministry: 'interior' });
  await t.database.db.update(applications).set({ applicantUserId: user.id }).where(eq(applications.id, caseId));
  return { user, auth: bearer(await tokenFor(t, user)), caseId };
}

export function post(t: TestApp, caseId: string, auth: Record<string, string>, body: { payload: Buffer; headers: Record<string, string> }) {
  return t.app.inject({ method: 'POST', url: `/applications/${caseId}/documents`, headers: { ...auth, ...body.headers }, payload: body.payload });
}

export async function documentRows(t: TestApp, caseId: string) {
  return queryRows<{ id: string; media_type: string; size: number; sha256: string; file_name: string; has_content: boolean; deleted_at: string | null }>(
    t.database.db,
    sql`select id, media_type, size, sha256, file_name, content is not null as has_content, deleted_at from documents where application_id = ${caseId} order by uploaded_at, id`,
  );
}

/** Audit entries of one request (reads are group-committed: flushed first). */
export async function auditOf(t: TestApp, requestId: string) {
  await t.app.audit.flush();
  return queryRows<{ action: string; entity_type: string; entity_id: string | null; case_id: string | null; ministry: string | null; canonical: string }>(
    t.database.db,
    sql`select action, entity_type, entity_id, case_id, ministry, canonical from audit_log where request_id = ${requestId} order by seq`,
  );
}
