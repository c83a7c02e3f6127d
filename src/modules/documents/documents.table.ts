import { sql } from 'drizzle-orm';
import { check, customType, index, integer, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { applications } from '../applications/applications.table.js';
import { DOCUMENT_KIND_CODES } from '../reference/reference.codes.js';
import { users } from '../users/users.table.js';
import { DOCUMENT_MAX_BYTES, DOCUMENT_MEDIA_TYPES, FILE_NAME_MAX } from './documents.limits.js';

export const documentKindEnum = pgEnum('document_kind', DOCUMENT_KIND_CODES);
export const documentMediaTypeEnum = pgEnum('document_media_type', DOCUMENT_MEDIA_TYPES);

/** PostgreSQL `bytea` as a Buffer on both drivers (node-postgres hands back a Buffer, PGlite a Uint8Array). */
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (value) => value,
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)),
});

/**
 * A document attached to a case (DESIGN §4): the bytes in PostgreSQL, with their SHA-256 and the
 * media type detected from them. A deleted document keeps its row (who uploaded what, its hash,
 * who deleted it and when) while its bytes are erased: `content` is NULL exactly when `deleted_at`
 * is set.
 */
export const documents = pgTable(
  'documents',
  {
    id: uuid().primaryKey().defaultRandom(),
    applicationId: uuid()
      .notNull()
      .references(() => applications.id, { onDelete: 'cascade' }),
    kind: documentKindEnum().notNull(),
    /** The uploader's file name, cleaned (no path, no control characters), extension matching `media_type`. */
    fileName: text().notNull(),
    mediaType: documentMediaTypeEnum().notNull(),
    size: integer().notNull(),
    /** Lower-case hex SHA-256 of the bytes as uploaded. */
    sha256: text().notNull(),
    content: bytea(),
    uploadedBy: uuid()
      .notNull()
      .references(() => users.id),
    uploadedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp({ withTimezone: true }),
    deletedBy: uuid().references(() => users.id),
  },
  (t) => [
    index('documents_application_idx').on(t.applicationId, t.uploadedAt, t.id),
    // DDL takes no parameters: the bounds are inlined as literals, from constants of this module.
    check('documents_size', sql`${t.size} BETWEEN 1 AND ${DOCUMENT_MAX_BYTES}`.inlineParams()),
    check('documents_sha256', sql`${t.sha256} ~ '^[0-9a-f]{64}$'`),
    check('documents_file_name', sql`char_length(${t.fileName}) BETWEEN 1 AND ${FILE_NAME_MAX}`.inlineParams()),
    check('documents_erased', sql`(${t.content} IS NULL) = (${t.deletedAt} IS NOT NULL) AND (${t.deletedAt} IS NULL) = (${t.deletedBy} IS NULL)`),
    check('documents_content_size', sql`${t.content} IS NULL OR octet_length(${t.content}) = ${t.size}`),
  ],
);
