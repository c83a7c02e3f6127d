/** What a case's documents may be (DESIGN §4, API.md "Applications"). */

/** The media types a document may have: what its bytes prove, never what the client declared. */
export const DOCUMENT_MEDIA_TYPES = ['application/pdf', 'image/jpeg', 'image/png'] as const;
export type DocumentMediaType = (typeof DOCUMENT_MEDIA_TYPES)[number];

/** At most this many bytes per document (10 MiB). */
export const DOCUMENT_MAX_BYTES = 10 * 1024 * 1024;
/**
 * The largest upload body: one file at the limit plus its multipart envelope (boundaries, part
 * headers, the `kind` field). A declared Content-Length beyond it is refused before anything is read.
 */
export const UPLOAD_BODY_MAX_BYTES = DOCUMENT_MAX_BYTES + 64 * 1024;
/** At most this many documents per case that are not deleted. */
export const DOCUMENTS_PER_CASE = 20;
/** File names are kept to this many characters (extension included). */
export const FILE_NAME_MAX = 120;
