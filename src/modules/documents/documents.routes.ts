import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../http/errors.js';
import { forbiddenProperty, invalidCharacters, unsupportedMediaType } from '../../http/http.errors.js';
import { unstorableStrings } from '../../http/input-guard.js';
import { pageOf, pageQuery } from '../../http/pagination.js';
import { auditContext } from '../audit/audit.context.js';
import { DOCUMENT_KIND_CODES } from '../reference/reference.codes.js';
import { documentOneFile, documentTooLarge, multipartMalformed } from './documents.errors.js';
import { attachmentDisposition } from './documents.files.js';
import { DOCUMENT_MAX_BYTES, DOCUMENT_MEDIA_TYPES, DOCUMENTS_PER_CASE, UPLOAD_BODY_MAX_BYTES } from './documents.limits.js';
import { deleteDocument, documentContent, listDocuments, uploadDocument, type UploadedFile } from './documents.service.js';

const tags = ['documents'];
const caseParams = z.strictObject({ id: z.uuid() });
const documentParams = z.strictObject({ id: z.uuid(), docId: z.uuid() });
const FILE_PART = 'file';

function isUploadedFile(value: unknown): value is UploadedFile {
  if (value === null || typeof value !== 'object') return false;
  const file = value as Partial<UploadedFile>;
  return Buffer.isBuffer(file.content) && typeof file.fileName === 'string' && typeof file.declaredType === 'string';
}

const uploadBody = z.strictObject({
  kind: z.enum(DOCUMENT_KIND_CODES).describe('What the document is: a code of GET /reference/document-kinds'),
  file: z
    .custom<UploadedFile>(isUploadedFile, { message: 'One file part named "file", with a file name' })
    .meta({ type: 'string', format: 'binary', description: 'The file: PDF, JPEG or PNG (read from its bytes), at most 10 MiB' }),
});

const uploaded = z.object({
  id: z.uuid(),
  kind: z.enum(DOCUMENT_KIND_CODES),
  fileName: z.string().describe('The name it is kept under: cleaned, with the extension of the type its bytes proved'),
  mediaType: z.enum(DOCUMENT_MEDIA_TYPES).describe('Detected from the bytes, never taken from the declared type or the name'),
  size: z.number().int(),
  sha256: z.string().describe('Lower-case hex SHA-256 of the bytes'),
  uploadedAt: z.string(),
});

const listed = uploaded.extend({
  uploadedBy: z.object({
    role: z.enum(['applicant', 'staff']),
    id: z.uuid().nullable().describe('Null when the applicant reads a document staff uploaded'),
  }),
  deletedAt: z.string().nullable().describe('Set when the document was removed: its bytes are erased and it cannot be downloaded'),
  downloadUrl: z.string().nullable(),
});

const binary = { schema: z.custom<Buffer>((value) => Buffer.isBuffer(value)).meta({ type: 'string', format: 'binary' }) };

/**
 * The largest body a request may declare for `method url`, where it differs from the global body
 * limit: the document upload. The composition root gives it to the `Expect: 100-continue` handler,
 * which answers before any route runs.
 */
export function documentUploadBodyLimit(method: string | undefined, url: string | undefined): number | undefined {
  if (method !== 'POST' || url === undefined) return undefined;
  return /^\/applications\/[^/?#]+\/documents\/?(?:[?#]|$)/.test(url) ? UPLOAD_BODY_MAX_BYTES : undefined;
}

/** The plugin's errors and busboy's, as problem documents. */
function uploadProblem(error: unknown): unknown {
  if (error instanceof AppError) return error;
  switch ((error as { code?: unknown } | null)?.code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return documentTooLarge({ params: { limit: DOCUMENT_MAX_BYTES } });
    case 'FST_FILES_LIMIT':
      return documentOneFile({ params: { part: FILE_PART } });
    case 'FST_PROTO_VIOLATION':
      return forbiddenProperty();
    default:
      return multipartMalformed();
  }
}

/**
 * Reads the multipart body into `{kind, file}` for the route's schema: the parts may come in any
 * order (the file is held in memory, at most DOCUMENT_MAX_BYTES, and nothing is decided before the
 * whole body is read). Text — the fields and the file's name and type — is checked for NUL and lone
 * surrogates here, as the global input guard does for other bodies (it runs before this body
 * exists); the file's bytes are binary and are not.
 */
async function readUpload(request: FastifyRequest): Promise<void> {
  if (!request.isMultipart()) throw unsupportedMediaType();
  const body: Record<string, unknown> = {};
  const add = (name: string, value: unknown) => {
    const present = body[name];
    body[name] = present === undefined ? value : [present, value].flat();
  };
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') add(part.fieldname, { fileName: part.filename, declaredType: part.mimetype, content: await part.toBuffer() } satisfies UploadedFile);
      else add(part.fieldname, part.value);
    }
  } catch (error) {
    throw uploadProblem(error);
  }
  const unstorable = unstorableStrings(body, '/body');
  if (unstorable.length > 0) throw invalidCharacters({ errors: unstorable });
  request.body = body;
}

export const documentsRoutes: FastifyPluginAsync = async (app) => {
  // Here only: no other route takes multipart/form-data, and the global body limit stays as it is.
  await app.register(multipart, {
    throwFileSizeLimit: true,
    limits: { fileSize: DOCUMENT_MAX_BYTES, files: 1, fields: 4, fieldSize: 1_024, fieldNameSize: 100, parts: 6, headerPairs: 20 },
  });
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/applications/:id/documents',
    {
      config: { permission: 'documents:upload' },
      // A declared length beyond one file and its envelope is refused before a byte is read.
      onRequest: async (request) => {
        const declared = Number(request.headers['content-length']);
        if (Number.isFinite(declared) && declared > UPLOAD_BODY_MAX_BYTES) throw documentTooLarge({ params: { limit: DOCUMENT_MAX_BYTES } });
      },
      preValidation: readUpload,
      schema: {
        tags,
        summary: 'Upload a document to a case (multipart/form-data: `kind` and one `file`, in either order)',
        description:
          'The owner while the case is not closed (withdrawn, merged, assigned: 409 `document.case_closed`); committee members and ' +
          `ministry staff of its ministry likewise. Anyone else's case answers 404. At most ${DOCUMENTS_PER_CASE} documents per case ` +
          '(deleted ones do not count; 409 `document.limit_reached`). The type is read from the bytes only: PDF, JPEG or PNG, ' +
          'anything else 415 (`document.type_not_accepted` naming what the bytes are, or `document.type_unknown`); a file whose ' +
          'name or declared type says otherwise is kept as what its bytes are, its extension corrected (a PNG sent as `scan.pdf` ' +
          'is `scan.png`, `image/png`). At most 10 MiB (10,485,760 bytes); one byte more is 413 `document.too_large`. One file ' +
          'per request (400 `document.one_file`). The SHA-256 of the bytes is recorded and returned.',
        consumes: ['multipart/form-data'],
        params: caseParams,
        body: uploadBody,
        response: { 201: uploaded },
      },
    },
    async (request, reply) => {
      const created = await uploadDocument({
        db: app.database.db,
        audit: app.audit,
        access: app.access,
        actor: request.actor!,
        context: auditContext(request),
        caseId: request.params.id,
        kind: request.body.kind,
        file: request.body.file,
      });
      return reply.code(201).send(created);
    },
  );

  r.get(
    '/applications/:id/documents',
    {
      config: { permission: 'documents:read' },
      schema: {
        tags,
        summary: 'The documents of a case, oldest first, without their bytes',
        description:
          'The owner, staff and auditors of the case’s ministry; anyone else 404. Removed documents are listed with `deletedAt` and ' +
          'no `downloadUrl`. The owner is not told which staff member uploaded a document. The read is recorded.',
        params: caseParams,
        querystring: z.strictObject(pageQuery),
        response: { 200: pageOf(listed) },
      },
    },
    async (request) =>
      listDocuments({
        db: app.database.db,
        audit: app.audit,
        access: app.access,
        actor: request.actor!,
        context: auditContext(request),
        caseId: request.params.id,
        limit: request.query.limit,
        cursor: request.query.cursor,
      }),
  );

  r.get(
    '/applications/:id/documents/:docId',
    {
      config: { permission: 'documents:read' },
      schema: {
        tags,
        summary: 'Download a document: its bytes, as an attachment',
        description:
          'The owner, staff and auditors of the case’s ministry; anyone else 404, as is a document of another case. A removed ' +
          'document answers 410 `document.erased`. `Content-Type` is the type the bytes proved at upload; `Content-Disposition: ' +
          'attachment` with an ASCII `filename` and, for other names, `filename*` (UTF-8); `X-Content-Type-Options: nosniff`; ' +
          '`Cache-Control: no-store`; `Repr-Digest` carries the SHA-256. Every download is recorded before a byte is sent.',
        params: documentParams,
        response: {
          200: {
            description: 'The document’s bytes',
            content: Object.fromEntries(DOCUMENT_MEDIA_TYPES.map((type) => [type, binary])),
          },
        },
      },
    },
    async (request, reply) => {
      const doc = await documentContent({
        db: app.database.db,
        audit: app.audit,
        access: app.access,
        actor: request.actor!,
        context: auditContext(request),
        caseId: request.params.id,
        documentId: request.params.docId,
      });
      return reply
        .header('content-type', doc.mediaType)
        .header('content-disposition', attachmentDisposition(doc.fileName))
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-store')
        // Opened in a browser tab after all, the file runs nothing and loads nothing.
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('repr-digest', `sha-256=:${Buffer.from(doc.sha256, 'hex').toString('base64')}:`)
        .send(doc.content);
    },
  );

  r.delete(
    '/applications/:id/documents/:docId',
    {
      config: { permission: 'documents:upload' },
      schema: {
        tags,
        summary: 'Remove a wrong upload: its bytes are erased, its record and audit entries stay',
        description:
          'Before screening ends (the case `submitted` or `screening`, or on hold from one of them; afterwards 409 ' +
          '`document.locked`). Committee members and ministry staff of the case’s ministry may remove any of its documents; the ' +
          'owner only those they uploaded (403 `document.not_uploader`). Removing it again answers 410 `document.erased` and ' +
          'changes nothing.',
        params: documentParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deleteDocument({
        db: app.database.db,
        audit: app.audit,
        access: app.access,
        actor: request.actor!,
        context: auditContext(request),
        caseId: request.params.id,
        documentId: request.params.docId,
      });
      return reply.code(204).send(null);
    },
  );
};
