import contentDisposition from 'content-disposition';
import { fileTypeFromBuffer } from 'file-type';
import { documentEmpty, documentTypeNotAccepted, documentTypeUnknown } from './documents.errors.js';
import { DOCUMENT_MEDIA_TYPES, FILE_NAME_MAX, type DocumentMediaType } from './documents.limits.js';

/**
 * What a file is, from its bytes alone, and the names it is stored and served under. The client's
 * Content-Type and file extension are never trusted: a PNG sent as `scan.pdf` with
 * `application/pdf` is a PNG, stored and served as `image/png` under `scan.png`.
 */

/** Extensions a file of each type may keep; the first is the one it gets otherwise. */
const EXTENSIONS: Record<DocumentMediaType, readonly string[]> = {
  'application/pdf': ['pdf'],
  'image/jpeg': ['jpg', 'jpeg', 'jpe', 'jfif'],
  'image/png': ['png'],
};

const ACCEPTED = 'PDF (application/pdf), JPEG (image/jpeg), PNG (image/png)';

function isAccepted(mime: string): mime is DocumentMediaType {
  return (DOCUMENT_MEDIA_TYPES as readonly string[]).includes(mime);
}

/**
 * The media type the bytes prove, by their signature at offset 0 (file-type). Anything else is a 415
 * naming what the bytes are: a zip (a zip bomb among them: file-type reads at most a bounded part
 * of an archive) is `application/zip`. A polyglot — a PDF or JPEG with an archive appended — is the
 * type its first bytes prove, and is only ever stored and served as that.
 */
export async function detectMediaType(content: Buffer): Promise<DocumentMediaType> {
  if (content.length === 0) throw documentEmpty();
  const found = await fileTypeFromBuffer(content);
  const extensions = { acceptedMediaTypes: DOCUMENT_MEDIA_TYPES, detectedMediaType: found?.mime ?? null };
  if (!found) throw documentTypeUnknown({ params: { accepted: ACCEPTED }, extensions });
  if (!isAccepted(found.mime)) throw documentTypeNotAccepted({ params: { detected: found.mime, accepted: ACCEPTED }, extensions });
  return found.mime;
}

/** Whitespace of any kind, control and format characters (NUL, CR, LF, bidi overrides, zero-width). */
const SPACES = /[\t\n\v\f\r\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/g;
const INVISIBLE = /[\p{Cc}\p{Cf}]/gu;
/** Reserved in Windows file names (and quotes, which need escaping in a header). */
const RESERVED = /[<>:"/\\|?*]/g;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com\d|lpt\d)$/i;
const FALLBACK_STEM = 'document';

function splitExtension(name: string): { stem: string; extension: string | null } {
  const match = /^(.+)\.([A-Za-z0-9]{1,10})$/.exec(name);
  return match ? { stem: match[1]!, extension: match[2]! } : { stem: name, extension: null };
}

/** The first `max` characters (code points, so a character is never cut in half). */
function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, max).join('');
}

/**
 * The name a document is kept under: the uploader's file name without any path, control or format
 * characters (so no CR/LF in a header, no right-to-left override disguising the extension), without
 * characters Windows refuses, no leading dots, at most FILE_NAME_MAX characters, and an extension
 * that matches the type the bytes proved (kept as typed when it already does, replaced otherwise).
 */
export function storedFileName(raw: string | undefined, mediaType: DocumentMediaType): string {
  const base = (raw ?? '').normalize('NFC').split(/[/\\]/).at(-1) ?? '';
  const cleaned = base
    .replace(SPACES, ' ')
    .replace(INVISIBLE, '')
    .replace(RESERVED, '_')
    .replace(/ {2,}/g, ' ')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  const { stem, extension } = splitExtension(cleaned);
  const allowed = EXTENSIONS[mediaType];
  const kept = extension !== null && allowed.includes(extension.toLowerCase()) ? extension : allowed[0]!;
  let name = truncate(stem, FILE_NAME_MAX - kept.length - 1).replace(/[.\s]+$/, '');
  if (name === '') name = FALLBACK_STEM;
  if (WINDOWS_DEVICE.test(name)) name = `_${name}`;
  return `${name}.${kept}`;
}

/** The same name in printable ASCII for clients that ignore `filename*`: accents dropped, anything else `_`. */
export function asciiFileName(name: string): string {
  const { stem, extension } = splitExtension(name);
  const ascii = stem
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7E]/g, '_')
    .replace(/["\\%]/g, '_')
    .replace(/_{2,}/g, '_');
  const safeStem = /[A-Za-z0-9]/.test(ascii) ? ascii : FALLBACK_STEM;
  return extension === null ? safeStem : `${safeStem}.${extension}`;
}

/**
 * `Content-Disposition: attachment` for a download: `filename="<ascii>"`, and `filename*=UTF-8''…`
 * (RFC 6266 / 8187) whenever the real name is not that plain ASCII one.
 */
export function attachmentDisposition(name: string): string {
  return contentDisposition(name, { type: 'attachment', fallback: asciiFileName(name) });
}
