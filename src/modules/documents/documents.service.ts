import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { applicationNotFound } from '../../access/access.errors.js';
import type { Access, CaseAccess } from '../../access/access.js';
import type { Actor } from '../../access/actor.js';
import type { Db } from '../../db/client.js';
import { decodeCursor, encodeCursor } from '../../http/pagination.js';
import { CLOSED_STATUSES, type CaseStatus } from '../applications/applications.state.js';
import { applications } from '../applications/applications.table.js';
import type { AuditTrail } from '../audit/audit.js';
import type { AuditContext } from '../audit/audit.writer.js';
import type { DOCUMENT_KIND_CODES } from '../reference/reference.codes.js';
import {
  documentCaseClosed,
  documentErased,
  documentLimitReached,
  documentLocked,
  documentNotFound,
  documentNotUploader,
} from './documents.errors.js';
import { detectMediaType, storedFileName } from './documents.files.js';
import { DOCUMENTS_PER_CASE } from './documents.limits.js';
import { documents } from './documents.table.js';

export type DocumentKind = (typeof DOCUMENT_KIND_CODES)[number];

/** What audit entries about a document use as their entity type. */
const DOCUMENT_ENTITY = 'document';

/** A file as the multipart reader hands it over: bytes in memory (at most DOCUMENT_MAX_BYTES). */
export interface UploadedFile {
  /** The client's file name, as sent (cleaned before it is stored). */
  fileName: string;
  /** The client's Content-Type for the part: recorded as matching or not, never believed. */
  declaredType: string;
  content: Buffer;
}

interface ServiceArgs {
  db: Db;
  audit: Pick<AuditTrail, 'inTransaction' | 'read'>;
  access: Access<AuditContext>;
  actor: Actor;
  context: AuditContext;
  caseId: string;
}

/** Screening ends when the case leaves `screening` for an interview or a decision; a hold keeps the status it left. */
const SCREENING: readonly CaseStatus[] = ['submitted', 'screening'];

function beforeScreeningEnds(status: CaseStatus, holdFrom: CaseStatus | null): boolean {
  return SCREENING.includes(status) || (status === 'on_hold' && holdFrom !== null && SCREENING.includes(holdFrom));
}

async function caseFacts(args: ServiceArgs, permission: 'documents:upload' | 'documents:read'): Promise<CaseAccess> {
  const facts = (await args.access.requireAccess({ actor: args.actor, permission, ids: [args.caseId], context: args.context })).get(args.caseId);
  if (!facts) throw new Error('requireAccess returned no record');
  return facts;
}

/**
 * Attaches a file to a case: the owner while the case is not closed, staff of its ministry likewise
 * (anyone else: the one 404 of the access layer). The type comes from the bytes (415 otherwise), the
 * name is cleaned and its extension made to match. The case row is locked while the live documents
 * are counted and the new one inserted, so the limit holds exactly however many arrive at once.
 */
export async function uploadDocument(args: ServiceArgs & { kind: DocumentKind; file: UploadedFile }) {
  const { actor, caseId, kind, file } = args;
  const facts = await caseFacts(args, 'documents:upload');
  if (CLOSED_STATUSES.includes(facts.status)) throw documentCaseClosed();
  const mediaType = await detectMediaType(file.content);
  const fileName = storedFileName(file.fileName, mediaType);
  const sha256 = createHash('sha256').update(file.content).digest('hex');
  const declared = file.declaredType.split(';')[0]!.trim().toLowerCase();
  return args.audit.inTransaction(args.db, args.context, async (tx, record) => {
    const [current] = await tx.select({ status: applications.status }).from(applications).where(eq(applications.id, caseId)).for('update');
    if (!current) throw applicationNotFound();
    if (CLOSED_STATUSES.includes(current.status)) throw documentCaseClosed();
    const [live] = await tx
      .select({ count: sql<number>`count(*)::int` })
      .from(documents)
      .where(and(eq(documents.applicationId, caseId), isNull(documents.deletedAt)));
    if ((live?.count ?? 0) >= DOCUMENTS_PER_CASE) throw documentLimitReached({ params: { limit: DOCUMENTS_PER_CASE } });
    const [row] = await tx
      .insert(documents)
      .values({ applicationId: caseId, kind, fileName, mediaType, size: file.content.length, sha256, content: file.content, uploadedBy: actor.id })
      .returning({ id: documents.id, uploadedAt: documents.uploadedAt });
    if (!row) throw new Error('insert returned no row');
    await record([
      {
        action: 'document.uploaded',
        entityType: DOCUMENT_ENTITY,
        entityId: row.id,
        caseId,
        ministry: facts.ministry,
        details: { kind, mediaType, size: file.content.length, sha256, declaredTypeMatched: declared === mediaType },
        personal: { fileName: { after: fileName } },
      },
    ]);
    return { id: row.id, kind, fileName, mediaType, size: file.content.length, sha256, uploadedAt: row.uploadedAt.toISOString() };
  });
}

const cursorShape = z.tuple([z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/), z.uuid()]);
/** uploaded_at to the microsecond, so a cursor never falls between two rows of one millisecond. */
const uploadedAtText = sql<string>`to_char(${documents.uploadedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * A case's documents, oldest first, without their bytes: live ones with the path to download them,
 * deleted ones with `deletedAt` and no download. For the owner, staff and auditors of the case's
 * ministry; the owner is not told which staff member uploaded what. The read is recorded.
 */
export async function listDocuments(args: ServiceArgs & { limit: number; cursor?: string | undefined }) {
  const { actor, caseId } = args;
  const facts = await caseFacts(args, 'documents:read');
  const after = decodeCursor('documents', args.cursor, cursorShape);
  const rows = await args.db
    .select({
      id: documents.id,
      kind: documents.kind,
      fileName: documents.fileName,
      mediaType: documents.mediaType,
      size: documents.size,
      sha256: documents.sha256,
      uploadedBy: documents.uploadedBy,
      uploadedAt: documents.uploadedAt,
      cursorAt: uploadedAtText,
      deletedAt: documents.deletedAt,
    })
    .from(documents)
    .where(
      and(eq(documents.applicationId, caseId), after ? sql`(${documents.uploadedAt}, ${documents.id}) > (${after[0]}::timestamptz, ${after[1]}::uuid)` : undefined),
    )
    .orderBy(asc(documents.uploadedAt), asc(documents.id))
    .limit(args.limit + 1);
  await args.audit.read(args.context, { entityType: DOCUMENT_ENTITY, caseId, ministry: facts.ministry, details: { view: 'documents' } });
  const page = rows.slice(0, args.limit);
  const last = page.at(-1);
  return {
    items: page.map((row) => {
      const byApplicant = row.uploadedBy === facts.applicantUserId;
      return {
        id: row.id,
        kind: row.kind,
        fileName: row.fileName,
        mediaType: row.mediaType,
        size: row.size,
        sha256: row.sha256,
        uploadedAt: row.uploadedAt.toISOString(),
        uploadedBy: {
          role: byApplicant ? ('applicant' as const) : ('staff' as const),
          id: actor.role === 'applicant' && !byApplicant ? null : row.uploadedBy,
        },
        deletedAt: row.deletedAt?.toISOString() ?? null,
        downloadUrl: row.deletedAt ? null : `/applications/${caseId}/documents/${row.id}`,
      };
    }),
    nextCursor: rows.length > args.limit && last ? encodeCursor('documents', [last.cursorAt, last.id]) : null,
  };
}

/** The bytes of one document of a case, for its owner, staff and auditors; the download is recorded before anything is sent. */
export async function documentContent(args: ServiceArgs & { documentId: string }) {
  const { caseId, documentId } = args;
  const facts = await caseFacts(args, 'documents:read');
  const [row] = await args.db
    .select({ fileName: documents.fileName, mediaType: documents.mediaType, sha256: documents.sha256, content: documents.content, deletedAt: documents.deletedAt })
    .from(documents)
    .where(and(eq(documents.id, documentId), eq(documents.applicationId, caseId)));
  if (!row) throw documentNotFound();
  if (row.deletedAt !== null || row.content === null) throw documentErased();
  await args.audit.read(args.context, { entityType: DOCUMENT_ENTITY, entityId: documentId, caseId, ministry: facts.ministry, details: { view: 'document_content' } });
  return { fileName: row.fileName, mediaType: row.mediaType, sha256: row.sha256, content: row.content };
}

/**
 * Removes a wrong upload before screening ends (the case `submitted` or `screening`, or on hold from
 * one of them): the bytes are erased, the record and its audit entries stay. Staff of the case's
 * ministry may remove any document of it; the owner only those they uploaded. A document already
 * removed answers 410, so a repeated DELETE changes nothing.
 */
export async function deleteDocument(args: ServiceArgs & { documentId: string }) {
  const { actor, caseId, documentId } = args;
  const facts = await caseFacts(args, 'documents:upload');
  await args.audit.inTransaction(args.db, args.context, async (tx, record) => {
    // The case first, as uploads and transitions take it: its status cannot move while this decides.
    const [current] = await tx
      .select({ status: applications.status, holdFrom: applications.holdFrom })
      .from(applications)
      .where(eq(applications.id, caseId))
      .for('update');
    if (!current) throw applicationNotFound();
    const [doc] = await tx
      .select({ kind: documents.kind, uploadedBy: documents.uploadedBy, deletedAt: documents.deletedAt })
      .from(documents)
      .where(and(eq(documents.id, documentId), eq(documents.applicationId, caseId)))
      .for('update');
    if (!doc) throw documentNotFound();
    if (doc.deletedAt !== null) throw documentErased();
    if (actor.role === 'applicant' && doc.uploadedBy !== actor.id) throw documentNotUploader();
    if (!beforeScreeningEnds(current.status, current.holdFrom)) throw documentLocked();
    await tx.update(documents).set({ content: null, deletedAt: sql`now()`, deletedBy: actor.id }).where(eq(documents.id, documentId));
    await record([
      { action: 'document.deleted', entityType: DOCUMENT_ENTITY, entityId: documentId, caseId, ministry: facts.ministry, details: { kind: doc.kind, erased: true } },
    ]);
  });
}
