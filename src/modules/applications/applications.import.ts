import { parse as parseCsvText, CsvError } from 'csv-parse/sync';
import { createHash } from 'node:crypto';
import type { FieldError } from '../../http/errors.js';
import { isUnstorable } from '../../http/input-guard.js';
import type { Locale } from '../../http/i18n.js';
import { zodFieldErrors } from '../../http/problem.js';
import { asciiDigits, applicantInput, applicantShape, type ApplicantInput } from './applicant.fields.js';
import { importEmpty, importInvalidRows, importMalformed, importMissingColumns, importNotUtf8, importTooManyRows, importUnknownColumns } from './applications.errors.js';

/**
 * Reading a batch import (`POST /applications/import`): the bytes of a CSV file or a JSON array
 * become validated applicants, or one refusal that names every bad row (its line and field), every
 * unknown column, or the reason the file cannot be read. Nothing here touches the database: a
 * refused batch stores nothing by construction.
 *
 * CSV: UTF-8 (a BOM is allowed), a header row naming the API fields (`education.degree` and
 * `education.field` for the education object), list fields (`specializations`,
 * `preferredGovernorates`) separated by `;`, an empty cell meaning "not given". Line numbers are
 * the file's: the header is line 1, and a row is named by the line it starts on (a quoted value may
 * span lines). JSON: an array of applicant objects; a row is named by its index + 1.
 */

export const IMPORT_MAX_ROWS = 10_000;
export type ImportFormat = 'csv' | 'json';

export interface ImportRow {
  line: number;
  applicant: ApplicantInput;
}

export interface ParsedBatch {
  format: ImportFormat;
  /** Hex SHA-256 of the bytes received, recorded with the batch. */
  sha256: string;
  rows: ImportRow[];
}

const LIST_FIELDS = new Set(['specializations', 'preferredGovernorates']);
const NESTED = { 'education.degree': ['education', 'degree'], 'education.field': ['education', 'field'] } as const;

/** The columns a CSV header may name: the API's applicant fields, education as two columns. */
export const IMPORT_COLUMNS: readonly string[] = [...Object.keys(applicantShape).filter((key) => key !== 'education'), ...Object.keys(NESTED)];
/** Columns a file must have: the required fields, and a national ID or a service number column (DESIGN §4). */
const REQUIRED_COLUMNS = ['fullNameAr', 'birthDate', 'sex', 'branch', 'rank', 'specializations', 'separationKind'] as const;

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Counts line breaks the way the CSV parser does (CRLF, LF or CR). */
function lineBreaks(value: string): number {
  return value.match(/\r\n|\r|\n/g)?.length ?? 0;
}

function decode(body: Buffer): string {
  try {
    return decoder.decode(body);
  } catch {
    throw importNotUtf8();
  }
}

/** A CSV cell as the applicant schema expects it: lists split, booleans and numbers typed; '' is absent. */
function cellValue(column: string, raw: string): unknown {
  const value = raw.trim();
  if (value === '') return undefined;
  if (LIST_FIELDS.has(column)) {
    return value
      .split(';')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }
  if (column === 'insideSyria') {
    const lowered = value.toLowerCase();
    if (lowered === 'true' || lowered === 'yes' || lowered === '1') return true;
    if (lowered === 'false' || lowered === 'no' || lowered === '0') return false;
    return value;
  }
  if (column === 'yearsOfService') {
    const digits = asciiDigits(value);
    return /^\d{1,3}$/.test(digits) ? Number(digits) : value;
  }
  return value;
}

interface RawRow {
  line: number;
  values: Record<string, unknown>;
  /** Problems found before validation (a row with the wrong number of cells, unstorable text). */
  errors: FieldError[];
}

function csvRows(text: string): RawRow[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsvText(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      // Bounds what one hostile cell can make the parser hold.
      max_record_size: 1_000_000,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw importMalformed({ params: { reason: error.message }, errors: [{ path: `/line/${line ?? 0}`, line: line ?? 0, code: error.code }] });
    }
    throw error;
  }
  const [header, ...body] = records;
  if (!header) throw importEmpty();
  const columns = header.record.map((name) => name.trim());
  const unknown = columns.filter((name) => !IMPORT_COLUMNS.includes(name));
  const repeated = columns.filter((name, i) => columns.indexOf(name) !== i);
  if (unknown.length > 0 || repeated.length > 0) {
    throw importUnknownColumns({
      params: { columns: [...unknown, ...repeated].join(', ') },
      errors: [
        ...unknown.map((name) => ({ path: `/line/1/${name}`, line: 1, field: name, code: 'unknown_column' })),
        ...repeated.map((name) => ({ path: `/line/1/${name}`, line: 1, field: name, code: 'repeated_column' })),
      ],
    });
  }
  const missing = REQUIRED_COLUMNS.filter((name) => !columns.includes(name));
  if (!columns.includes('nationalId') && !columns.includes('serviceNumber')) missing.push('nationalId' as never);
  if (missing.length > 0) {
    throw importMissingColumns({
      params: { columns: missing.join(', ') },
      errors: missing.map((name) => ({ path: `/line/1/${name}`, line: 1, field: name, code: 'missing_column' })),
    });
  }
  tooMany(body.length);
  return body.map(({ record, info }) => {
    // info.lines is the line the record ends on; it starts as many lines earlier as its cells break.
    const line = info.lines - record.reduce((sum, cell) => sum + lineBreaks(cell), 0);
    const errors: FieldError[] = [];
    if (record.length !== columns.length) {
      errors.push({ path: `/line/${line}`, line, message: `This row has ${record.length} cells; the header has ${columns.length}`, code: 'cell_count' });
    }
    const values: Record<string, unknown> = {};
    columns.forEach((column, i) => {
      const cell = record[i];
      if (cell === undefined) return;
      if (isUnstorable(cell)) {
        errors.push({ path: `/line/${line}/${column}`, line, field: column, message: 'Contains a character that cannot be stored (NUL)', code: 'invalid_characters' });
        return;
      }
      const value = cellValue(column, cell);
      if (value === undefined) return;
      const nested = NESTED[column as keyof typeof NESTED];
      if (nested) {
        const [outer, inner] = nested;
        const object = (values[outer] ??= {}) as Record<string, unknown>;
        object[inner] = value;
      } else {
        values[column] = value;
      }
    });
    return { line, values, errors };
  });
}

function hasUnstorable(value: unknown): boolean {
  if (typeof value === 'string') return isUnstorable(value);
  if (Array.isArray(value)) return value.some(hasUnstorable);
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([key, item]) => isUnstorable(key) || hasUnstorable(item));
  return false;
}

function jsonRows(text: string): RawRow[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (key, value: unknown) => {
      // The same refusal as every JSON body (secure-json-parse): no prototype keys.
      if (key === '__proto__' || key === 'constructor') throw new SyntaxError(`forbidden key ${key}`);
      return value;
    });
  } catch (error) {
    throw importMalformed({ params: { reason: (error as Error).message }, errors: [] });
  }
  if (!Array.isArray(parsed)) throw importMalformed({ params: { reason: 'the body must be a JSON array of applicants' }, errors: [] });
  tooMany(parsed.length);
  return parsed.map((values: unknown, index) => {
    const line = index + 1;
    const errors: FieldError[] = hasUnstorable(values)
      ? [{ path: `/${index}`, line, message: 'Contains a character that cannot be stored (NUL)', code: 'invalid_characters' }]
      : [];
    return { line, values: values as Record<string, unknown>, errors };
  });
}

function tooMany(count: number): void {
  if (count > IMPORT_MAX_ROWS) throw importTooManyRows({ params: { rows: count, limit: IMPORT_MAX_ROWS } });
  if (count === 0) throw importEmpty();
}

/** The field a row's error is about, as the file names it (`education.degree`, a CSV column), from its path within the row. */
function fieldOf(path: string): string | undefined {
  const [first, second] = path.split('/');
  if (!first) return undefined;
  return first === 'education' && second ? `education.${second}` : first;
}

/**
 * Reads and validates a whole batch. Throws one error naming every bad row (all of them, not the
 * first), or the reason the file cannot be read; returns the validated rows otherwise.
 */
export function parseBatch(body: Buffer, format: ImportFormat, locale: Locale): ParsedBatch {
  const sha256 = createHash('sha256').update(body).digest('hex');
  const text = decode(body);
  const raw = format === 'csv' ? csvRows(text) : jsonRows(text);
  const rows: ImportRow[] = [];
  const errors: FieldError[] = [];
  for (const row of raw) {
    if (row.errors.length > 0) {
      errors.push(...row.errors);
      continue;
    }
    const result = applicantInput.safeParse(row.values, { reportInput: true });
    if (result.success) {
      rows.push({ line: row.line, applicant: result.data });
      continue;
    }
    // Field errors localized like any request's, each tied to its line and the field the file names.
    const prefix = format === 'csv' ? `line/${row.line}` : String(row.line - 1);
    for (const error of zodFieldErrors(result.error.issues, prefix, locale)) {
      const field = fieldOf(error.path.slice(prefix.length + 2));
      errors.push({ ...error, line: row.line, ...(field !== undefined ? { field } : {}) });
    }
  }
  if (errors.length > 0) {
    const lines = new Set(errors.map((e) => e.line));
    throw importInvalidRows({ params: { rows: lines.size }, errors });
  }
  return { format, sha256, rows };
}
