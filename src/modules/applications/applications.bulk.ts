import { getTableColumns, sql, type SQL } from 'drizzle-orm';
import { toSnakeCase } from 'drizzle-orm/casing';
import { randomUUID } from 'node:crypto';
import { queryRows, type Db } from '../../db/client.js';
import { statement, type Statement } from '../../db/statement.js';
import type { ApplicantInput } from './applicant.fields.js';
import { applicants } from './applicant.table.js';
import { applicantColumns, type ApplicantColumns } from './applications.columns.js';
import { DEDUP_VERSION, STALE_DEDUP_VERSION, turnCtes, uuidArray } from './applications.duplicates.js';
import type { CaseChannel } from './applications.state.js';

/** Many cases of one ministry and channel, created together (a batch import, demo data). */
export interface BulkCases {
  ministry: string;
  channel: CaseChannel;
  /** Validated applicants (`applicantInput`), stored exactly as `insertCase` stores one. */
  cases: readonly ApplicantInput[];
  /** The import batch (`channel: batch_import`, and only then: the table's check enforces it). */
  importBatchId?: string;
  /** Per case, the committee it is routed to (null: none yet). */
  committeeIds?: readonly (string | null)[];
  /** Per case, the applicant's own account (link registrations). */
  applicantUserIds?: readonly (string | null)[];
  /** Per case, when it came in (default: now); the reference's year is this date's UTC year. */
  createdAt?: readonly Date[];
  /** The consent version every case of the call accepted (link registrations), consented at its `createdAt`. */
  consentVersion?: string;
  /**
   * The references are numbered later, by `numberCases` in the same transaction (a batch import: the
   * ministry's counter, which its registrations wait on, is then taken only for the last moments). Until
   * then each case holds a placeholder nobody else sees.
   */
  numberLater?: boolean;
  /**
   * The cases are not flagged by the caller: they are written as awaiting the duplicate rules, and the
   * service's catch-up (`refreshStaleDuplicates`) flags them (demo data, where the flagging would be
   * most of the time spent).
   */
  flagLater?: boolean;
}

export interface BulkCase {
  id: string;
  reference: string;
}

/** The database name of every applicants column, from the table definition (the client maps names to snake_case). */
const APPLICANT_COLUMN_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(getTableColumns(applicants)).map(([key, column]) => [key, column.keyAsName ? toSnakeCase(column.name) : column.name]),
);

function columnName(key: string): string {
  const name = APPLICANT_COLUMN_NAMES[key];
  if (!name) throw new Error(`applicants has no column ${key}`);
  return name;
}

/**
 * The columns `applicantColumns` can produce (a missing or extra key does not compile): the applicants
 * insert lists exactly these (plus the case id, consent and `updated_at`), reading absent values as NULL.
 */
const STORED: Record<keyof ApplicantColumns, true> = {
  fullNameAr: true,
  nameArFolded: true,
  fullNameLatin: true,
  nameLatinFolded: true,
  motherNameAr: true,
  birthDate: true,
  birthPlace: true,
  sex: true,
  nationalId: true,
  serviceNumber: true,
  phone: true,
  email: true,
  emailFolded: true,
  residenceCountry: true,
  residenceCity: true,
  insideSyria: true,
  branch: true,
  rank: true,
  specializations: true,
  educationDegree: true,
  educationField: true,
  educationFieldFolded: true,
  separationKind: true,
  separationDate: true,
  lastUnit: true,
  yearsOfService: true,
  preferredGovernorates: true,
};
const STORED_KEYS = Object.keys(STORED) as (keyof ApplicantColumns)[];
const STORED_COLUMNS = STORED_KEYS.map(columnName);

/** Rows per statement: one JSON parameter each, so no parameter limit; small enough to overlap serializing and writing. */
const ROWS_PER_STATEMENT = 1_000;

function sameLength(name: string, values: readonly unknown[] | undefined, expected: number): void {
  if (values !== undefined && values.length !== expected) throw new Error(`insertCasesBulk: ${name} has ${values.length} entries for ${expected} cases`);
}

/** What a case numbered later holds as its reference until then (never committed). */
const PLACEHOLDER = 'unnumbered:';

const reserveBlocks = statement<{ year: number; last: number | string; prefix: string | null }>(
  'reserve_references',
  sql`with reserved as (
        insert into case_reference_counters (ministry, year, last)
        select ${sql.placeholder('ministry')}::text, b.year, b.n from json_to_recordset(${sql.placeholder('blocks')}::json) as b(year integer, n integer)
        order by b.year
        on conflict (ministry, year) do update set last = case_reference_counters.last + excluded.last
        returning year, last)
      select r.year, r.last, m.reference_prefix as prefix
      from reserved r left join ministries m on m.code = ${sql.placeholder('ministry')}::text`,
);

/**
 * Reserves one reference per entry of `years` (the year of each case, in order) for a ministry: one
 * block per year, the counter row incremented by the block's size in one statement, under the row lock
 * single registrations take, held until commit — numbers never repeat, and a rollback gives the whole
 * block back. Returns the references in the order of `years`.
 */
async function reserveReferences(tx: Db, ministry: string, years: readonly number[]): Promise<string[]> {
  const perYear = new Map<number, number>();
  for (const year of years) perYear.set(year, (perYear.get(year) ?? 0) + 1);
  // Years in order, so two bulk calls spanning the same years lock the counter rows in the same order.
  const blocks = [...perYear].sort(([a], [b]) => a - b).map(([year, n]) => ({ year, n }));
  const reserved = await reserveBlocks.rows(tx, { ministry, blocks: JSON.stringify(blocks) });
  const next = new Map<number, number>();
  let prefix: string | null = null;
  for (const row of reserved) {
    prefix = row.prefix;
    next.set(Number(row.year), Number(row.last) - (perYear.get(Number(row.year)) ?? 0) + 1);
  }
  if (!prefix || reserved.length !== blocks.length) throw new Error(`no reference prefix for ministry ${ministry}`);
  return years.map((year) => {
    const number = next.get(year)!;
    next.set(year, number + 1);
    return `${prefix}-${year}-${String(number).padStart(6, '0')}`;
  });
}

/**
 * Numbers the cases `insertCasesBulk` created with `numberLater`, in the order given (the year of
 * each is its creation's), and returns them with their references. Takes the ministry's counter
 * until commit, as a single case does.
 */
export async function numberCases(tx: Db, ministry: string, cases: readonly BulkCase[]): Promise<BulkCase[]> {
  if (cases.length === 0) return [];
  const rows = await queryRows<{ id: string; year: number }>(
    tx,
    sql`select a.id, extract(year from a.created_at at time zone 'UTC')::int as year
        from applications a join unnest(${uuidArray(cases.map((c) => c.id))}) with ordinality as u(id, n) on a.id = u.id
        where a.ministry = ${ministry} and a.reference like ${`${PLACEHOLDER}%`}
        order by u.n`,
  );
  if (rows.length !== cases.length) throw new Error(`numberCases: ${cases.length - rows.length} of the cases are not unnumbered cases of ${ministry}`);
  const references = await reserveReferences(tx, ministry, rows.map((row) => Number(row.year)));
  const numbered = rows.map((row, i) => ({ id: row.id, reference: references[i]! }));
  await tx.execute(
    sql`update applications a set reference = v.reference
        from json_to_recordset(${JSON.stringify(numbered)}::json) as v(id uuid, reference text) where a.id = v.id`,
  );
  return numbered;
}

/** The applicants columns an insert writes, in the order of APPLICANT_VALUES. */
const APPLICANT_TARGET = sql`application_id, ${sql.join(
  STORED_COLUMNS.map((c) => sql.identifier(c)),
  sql`, `,
)}, consent_version, consented_at, updated_at, dedup_version`;

/** Their values from a row `r` of applicants as JSON (`chunkOf`), read as NULL where absent. */
const APPLICANT_VALUES = sql`r.application_id, ${sql.join(
  STORED_COLUMNS.map((c) => (c === 'preferred_governorates' ? sql`coalesce(r.${sql.identifier(c)}, '{}')` : sql`r.${sql.identifier(c)}`)),
  sql`, `,
)}, ${sql.placeholder('consent')}::text, case when ${sql.placeholder('consent')}::text is null then null else r.updated_at end, r.updated_at,
             ${sql.placeholder('dedupVersion')}::smallint`;

/** The case rows, then their applicants (the foreign key), in one statement: one text for every call (an import's chunks, demo data). */
const insertRows = statement<never>(
  'insert_cases',
  sql`with cases as (
        insert into applications (id, reference, ministry, status, channel, applicant_user_id, committee_id, import_batch_id, created_at, updated_at)
        select r.id, r.reference, ${sql.placeholder('ministry')}::text, 'submitted', ${sql.placeholder('channel')}::case_channel, r.applicant_user_id, r.committee_id,
               ${sql.placeholder('batch')}::uuid, r.created_at, r.created_at
        from json_populate_recordset(null::applications, ${sql.placeholder('cases')}::json) as r
        returning id)
      insert into applicants (${APPLICANT_TARGET})
      select ${APPLICANT_VALUES}
      from json_populate_recordset(null::applicants, ${sql.placeholder('applicants')}::json) as r`,
);

/**
 * One case in one statement, as CTEs a statement is built of (`caseStatement`): its reference reserved
 * and formatted as `reserveReferences` formats it (prefix-year-number, six digits at least), the case
 * row, its applicant row, and then the flagging turn for it (`turnCtes`), in that order: each step
 * reads the rows of the one before, once `gate` (a query) has a row. The locks come in the order a
 * bulk call and a flagging take them: the ministry's counter, then the turn — after whatever the
 * gate locked. Gives `cases` (id, reference) and `logged` (the turn's seq).
 */
function oneCaseCtes(gate: SQL): SQL {
  return sql`reserved as (
        insert into case_reference_counters (ministry, year, last)
        select ${sql.placeholder('ministry')}::text, ${sql.placeholder('year')}::int, 1 from (${gate} limit 1) as gate
        on conflict (ministry, year) do update set last = case_reference_counters.last + 1
        returning last),
      cases as (
        insert into applications (id, reference, ministry, status, channel, applicant_user_id, committee_id, import_batch_id, created_at, updated_at)
        select r.id, m.reference_prefix || '-' || ${sql.placeholder('year')}::int || '-' || lpad(n.last::text, greatest(6, length(n.last::text)), '0'),
               m.code, 'submitted', ${sql.placeholder('channel')}::case_channel, r.applicant_user_id, r.committee_id, null,
               r.created_at, r.created_at
        from json_populate_record(null::applications, ${sql.placeholder('case')}::json) as r, reserved n, ministries m
        where m.code = ${sql.placeholder('ministry')}::text
        returning id, reference),
      written as (
        insert into applicants (${APPLICANT_TARGET})
        select ${APPLICANT_VALUES}
        from json_populate_record(null::applicants, ${sql.placeholder('applicant')}::json) as r join cases on cases.id = r.application_id
        returning application_id),
      ${turnCtes(sql`select application_id from written`, sql`array[${sql.placeholder('id')}::uuid]`)}`;
}

/**
 * A statement that writes one case as `insertCaseTakingTurn` does, with a caller's own parts: CTEs
 * `before` it (which lock first), a `gate` query the case waits for (no row: no case, and no row
 * back), CTEs `after` it (which read `cases`), and what it returns beside `reference` (`select`, from
 * `cases c, logged l` and the caller's CTEs). A registration counts its link this way, in the same
 * round trip. Define it once, at module load: it is a named prepared statement.
 */
export type CaseStatement<Row> = Statement<Row & { reference: string }>;

/** A `caseStatement` of the caller's with the values of its own placeholders. */
export interface CaseVia<Row> {
  statement: CaseStatement<Row>;
  values: Record<string, unknown>;
}

export function caseStatement<Row>(name: string, parts: { before?: SQL; gate?: SQL; after?: SQL; select?: SQL; from?: SQL } = {}): CaseStatement<Row> {
  return statement<Row & { reference: string }>(
    name,
    sql`with ${parts.before ? sql`${parts.before}, ` : sql``}${oneCaseCtes(parts.gate ?? sql`select 1`)}${parts.after ? sql`, ${parts.after}` : sql``}
      select c.reference${parts.select ? sql`, ${parts.select}` : sql``} from cases c, logged l${parts.from ? sql`, ${parts.from}` : sql``}`,
  );
}

const insertOneRow = caseStatement<unknown>('insert_case');

/** A single case of `insertCaseTakingTurn` (`insertCase`): a registration's or a walk-in's; imports write in bulk. */
export interface OneCase {
  ministry: string;
  channel: Exclude<CaseChannel, 'batch_import'>;
  /** A validated applicant (`applicantInput`). */
  applicant: ApplicantInput;
  applicantUserId?: string | null;
  /** The consent version the applicant accepted (link registrations). */
  consentVersion?: string;
}

/**
 * Creates one case in the caller's transaction in a single statement — numbered, written and its
 * flagging turn taken — where a bulk of one would take three: a registration and a walk-in entry
 * are a case each, and every round trip to the database is a tenth of their time beside the
 * password hash. The caller then flags it in the turn (`flagDuplicates(…, { turnTaken: true })`).
 * With `via` (a `caseStatement`) and its `values`, the caller's own parts run in the same statement;
 * `row` is what it returned, undefined when its gate gave no row (no case was written).
 */
export async function insertCaseTakingTurn(tx: Db, input: OneCase): Promise<BulkCase>;
export async function insertCaseTakingTurn<Row>(tx: Db, input: OneCase, via: CaseVia<Row>): Promise<(BulkCase & { row: Row }) | undefined>;
export async function insertCaseTakingTurn<Row>(tx: Db, input: OneCase, via?: CaseVia<Row>): Promise<(BulkCase & { row?: Row }) | undefined> {
  const now = new Date();
  const { caseRows, applicantRows } = chunkOf(
    { ministry: input.ministry, channel: input.channel, cases: [input.applicant], applicantUserIds: [input.applicantUserId ?? null] },
    [now],
    0,
    1,
  );
  const id = caseRows[0]!.id as string;
  const values = {
    ...via?.values,
    ministry: input.ministry,
    year: now.getUTCFullYear(),
    channel: input.channel,
    consent: input.consentVersion ?? null,
    dedupVersion: DEDUP_VERSION,
    id,
    case: JSON.stringify(caseRows[0]),
    applicant: JSON.stringify(applicantRows[0]),
  };
  if (via) {
    const [row] = await via.statement.rows(tx, values);
    return row && { id, reference: row.reference, row };
  }
  const [row] = await insertOneRow.rows(tx, values);
  if (!row) throw new Error(`no reference prefix for ministry ${input.ministry}`);
  return { id, reference: row.reference };
}

/** The rows of cases `from` to `to` as the insert statement takes them, with their ids. */
function chunkOf(input: BulkCases, createdAt: readonly Date[], from: number, to: number) {
  const caseRows: Record<string, unknown>[] = [];
  const applicantRows: Record<string, unknown>[] = [];
  for (let i = from; i < to; i++) {
    const id = randomUUID();
    const at = createdAt[i]!.toISOString();
    caseRows.push({ id, reference: '', committee_id: input.committeeIds?.[i] ?? null, applicant_user_id: input.applicantUserIds?.[i] ?? null, created_at: at });
    const columns = applicantColumns(input.cases[i]!);
    const row: Record<string, unknown> = { application_id: id, updated_at: at };
    for (let k = 0; k < STORED_KEYS.length; k++) {
      const value = columns[STORED_KEYS[k]!];
      if (value !== undefined) row[STORED_COLUMNS[k]!] = value;
    }
    applicantRows.push(row);
  }
  return { caseRows, applicantRows };
}

/**
 * Creates many cases of one ministry in the caller's transaction, in a handful of statements whatever
 * their number: the references are reserved (`reserveReferences`; or later, `numberLater`), then the
 * case rows and the applicant rows are inserted set-based from one JSON document per statement, each
 * chunk's rows built while the statement of the one before runs.
 * Applicant columns come from `applicantColumns`, as for a single case. Duplicates are not looked for
 * here: the caller flags them once the rows exist (`flagDuplicates`). Returns the cases in input order.
 */
export async function insertCasesBulk(tx: Db, input: BulkCases): Promise<BulkCase[]> {
  const count = input.cases.length;
  sameLength('committeeIds', input.committeeIds, count);
  sameLength('applicantUserIds', input.applicantUserIds, count);
  sameLength('createdAt', input.createdAt, count);
  if (count === 0) return [];

  const now = new Date();
  const createdAt = input.createdAt ?? Array.from({ length: count }, () => now);
  // The first chunk is built before the counter is taken: its row lock is held until commit, and
  // concurrent registrations of the ministry queue on it (a single case is built whole before it).
  let chunk = chunkOf(input, createdAt, 0, Math.min(count, ROWS_PER_STATEMENT));
  const references = input.numberLater
    ? undefined
    : await reserveReferences(
        tx,
        input.ministry,
        createdAt.map((at) => at.getUTCFullYear()),
      );

  const result: BulkCase[] = new Array<BulkCase>(count);
  const common = {
    ministry: input.ministry,
    channel: input.channel,
    batch: input.importBatchId ?? null,
    consent: input.consentVersion ?? null,
    dedupVersion: input.flagLater ? STALE_DEDUP_VERSION : DEDUP_VERSION,
  };
  for (let from = 0; from < count; from += ROWS_PER_STATEMENT) {
    const to = Math.min(count, from + ROWS_PER_STATEMENT);
    for (let i = from; i < to; i++) {
      const row = chunk.caseRows[i - from]!;
      const id = row.id as string;
      row.reference = references?.[i] ?? `${PLACEHOLDER}${id}`;
      result[i] = { id, reference: row.reference as string };
    }
    // Case rows first (the applicants' foreign key), then their applicants, in one statement; the
    // next chunk is built while it runs (the statement is sent before `rows` returns), and awaited
    // before the next is sent: a pg client runs one query at a time.
    const inserting = insertRows.rows(tx, { ...common, cases: JSON.stringify(chunk.caseRows), applicants: JSON.stringify(chunk.applicantRows) });
    try {
      if (to < count) chunk = chunkOf(input, createdAt, to, Math.min(count, to + ROWS_PER_STATEMENT));
    } catch (error) {
      // The statement sent is still settled first, so nothing is left running (or rejecting) unseen.
      await inserting.catch(() => undefined);
      throw error;
    }
    await inserting;
  }
  return result;
}
