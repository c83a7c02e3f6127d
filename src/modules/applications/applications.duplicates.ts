import { asc, lt, sql, type SQL } from 'drizzle-orm';
import type { Access } from '../../access/access.js';
import type { Actor } from '../../access/actor.js';
import { canSeeCase } from '../../access/scope.js';
import { queryRows, type Db } from '../../db/client.js';
import { statement } from '../../db/statement.js';
import type { AuditTrail } from '../audit/audit.js';
import type { AuditContext } from '../audit/audit.writer.js';
import { foldArabic, foldLatin } from './applicant.fields.js';
import { applicants, type DuplicateEvidence, type DuplicateGrade } from './applicant.table.js';
import { breathe, similarNames, type NameRecord, type SimilarName } from './applications.similar-names.js';
import { CASE_ENTITY, type CaseStatus } from './applications.state.js';

/**
 * Duplicate detection (DESIGN §7), one SQL definition of the rules used both when cases are written
 * (`flagDuplicates`, set-based, into duplicate_candidates) and when a case's candidates are read
 * (`findDuplicates`, graded on the data as it is at the read, so corrections and later cases show):
 *
 * - likely: the same national ID or service number, or the same folded Arabic name and birth date;
 * - possible: Arabic names of trigram similarity ≥ 0.6, or the same folded Latin name, with birth
 *   dates within one year;
 * - an equal email is evidence beside a graded match, never a grade by itself: families and agents
 *   share addresses, and an applicant's email is a contact, not an identity (DESIGN §2).
 *
 * Names are compared in their folded forms (applicant.fields.ts foldArabic/foldLatin), stored in
 * indexed columns. Every case is compared with every other, across ministries: a double registration
 * in two ministries matters as much as one in the same. Pairs are flagged for a human, never merged.
 *
 * Cost: the similar-name search visits every case born within the year around (a GiST index on
 * (birth_date, name_ar_folded)), about two milliseconds of database time per case at 100,000 cases,
 * whatever the names. Writes pay it: one case at a registration; a batch instead reads the trigrams
 * of the cases in its birth window once and joins them in memory (applications.similar-names.ts,
 * about 0.15 ms per case). Reads take the pairs the writes recorded and regrade them, so a read costs
 * what reading a case costs.
 */

/** The version of the folds and rules; rows folded and flagged under an older one are redone at start-up. */
export const DEDUP_VERSION = 1;
/** Rows written to be flagged by the catch-up, not by their writer (bulk demo data). */
export const STALE_DEDUP_VERSION = 0;
export const SIMILARITY_THRESHOLD = 0.6;
/**
 * At most this many cases with a similar name (or the same Latin name) are examined per case and per
 * rule: a safety valve against a flood of one name in one birth window, never reached by real names.
 * Cases sharing an ID are not capped.
 */
export const NAME_CANDIDATES_PER_CASE = 100;

/** The applicant fields the rules read: a change to one of them refreshes the case's pairs. */
export const DUPLICATE_RULE_FIELDS = ['fullNameAr', 'fullNameLatin', 'birthDate', 'nationalId', 'serviceNumber', 'email'] as const;

/** `ids` as one uuid[] parameter, whatever their number (not one parameter each). */
export function uuidArray(ids: readonly string[]): SQL {
  return sql`${`{${ids.join(',')}}`}::uuid[]`;
}

/**
 * The window in which candidates are looked up: a year and a day either way, so that every date within
 * one year (below, the rule itself) is inside it, 29 February included.
 */
const BIRTH_WINDOW_DAYS = 366;
/** The same as a typed parameter: `date - integer` is a date (an untyped one would be ambiguous). */
const WINDOW = sql`${BIRTH_WINDOW_DAYS}::int`;

/** Within one year, the same whichever date comes first (29 February included). */
const WITHIN_ONE_YEAR = sql`least(a.birth_date, b.birth_date) + interval '1 year' >= greatest(a.birth_date, b.birth_date)`;

/**
 * Where similar Arabic names come from: `search` looks them up in the GiST index on (birth date,
 * name), which visits every case born within the year around (about two milliseconds at 100,000 cases);
 * a list gives them, found by the same rule in memory for a batch (similarNamesAmong: a tenth of the
 * cost); `recorded` takes the pairs flagDuplicates recorded, plus equal names born the same day looked
 * up now (a few index entries). Writes search; reads use what the writes recorded, so a read costs no
 * search, and regrade it on the data as it is now.
 */
type SimilarNames = 'search' | 'recorded' | readonly SimilarName[];

/**
 * Which rules put candidates forward: all of them, or only the similar Arabic names (a batch grades
 * the others while it looks for those in memory). Either way every pair is graded on every rule.
 */
type Nominating = 'all' | 'similar names';

/**
 * The graded pairs of the rules for `ids` against every case (each other included): one row per
 * unordered pair (`x` < `y`), with `grade`, `evidence` and the names' similarity. Candidates are
 * looked up by index — IDs by their btrees, equal Latin names within the birth window by theirs,
 * similar Arabic names as `similar` says — then every pair is graded on both rows as they are now, so
 * a pair's grade and evidence do not depend on which rule found it. `search` needs
 * pg_trgm.similarity_threshold set to SIMILARITY_THRESHOLD (`%`).
 */
function gradedPairs(ids: SQL, similar: SimilarNames, nominating: Nominating = 'all'): SQL {
  // The most similar first when one name floods a birth window.
  const names =
    similar === 'search'
      ? sql`
        select s.id as a, b.application_id as b, similarity(b.name_ar_folded, s.name_ar_folded) as similarity,
          row_number() over (partition by s.id order by similarity(b.name_ar_folded, s.name_ar_folded) desc, b.application_id) as rank
        from s join applicants b
          on b.birth_date between s.birth_date - ${WINDOW} and s.birth_date + ${WINDOW} and b.name_ar_folded % s.name_ar_folded and b.application_id <> s.id`
      : similar === 'recorded'
        ? sql`
        select n.a, n.b, similarity(b.name_ar_folded, s.name_ar_folded) as similarity,
          row_number() over (partition by n.a order by similarity(b.name_ar_folded, s.name_ar_folded) desc, n.b) as rank
        from (
          select s.id as a, b.application_id as b from s join applicants b
            on b.birth_date = s.birth_date and b.name_ar_folded = s.name_ar_folded and s.name_ar_folded <> '' and b.application_id <> s.id
          union
          select d.application_id, d.candidate_id from duplicate_candidates d where d.application_id = any(${ids})
          union
          select d.candidate_id, d.application_id from duplicate_candidates d where d.candidate_id = any(${ids})
        ) n
        join s on s.id = n.a
        join applicants b on b.application_id = n.b`
        : sql`
        select n.a, n.b, 1 as rank, n.similarity
        from unnest(${uuidArray(similar.map((pair) => pair.a))}, ${uuidArray(similar.map((pair) => pair.b))},
          ${`{${similar.map((pair) => pair.similarity).join(',')}}`}::real[]) as n(a, b, similarity)`;
  return sql`
    with s as not materialized (
      select application_id as id, national_id, service_number, name_ar_folded, name_latin_folded, birth_date
      from applicants where application_id = any(${ids})
    ),
    names as (${names}),
    latin as (
      select s.id as a, b.application_id as b,
        row_number() over (partition by s.id order by abs(b.birth_date - s.birth_date), b.application_id) as rank
      from s join applicants b
        on b.name_latin_folded = s.name_latin_folded and s.name_latin_folded <> '' and b.birth_date between s.birth_date - ${WINDOW} and s.birth_date + ${WINDOW} and b.application_id <> s.id
    ),
    hits as (
      select a, b, similarity from names where rank <= ${NAME_CANDIDATES_PER_CASE}
      ${
        nominating === 'all'
          ? sql`union all
      select s.id, b.application_id, null::real from s join applicants b on b.national_id = s.national_id
      union all
      select s.id, b.application_id, null::real from s join applicants b on b.service_number = s.service_number
      union all
      select a, b, null::real from latin where rank <= ${NAME_CANDIDATES_PER_CASE}`
          : sql``
      }
    ),
    pairs as (select least(a, b) as x, greatest(a, b) as y, max(similarity) as similarity from hits where a <> b group by 1, 2)
    select p.x, p.y, g.grade, m.similarity,
      to_jsonb(array_remove(array[
        case when a.national_id = b.national_id then jsonb_build_object('field', 'nationalId', 'how', 'equal') end,
        case when a.service_number = b.service_number then jsonb_build_object('field', 'serviceNumber', 'how', 'equal') end,
        case when m.ar_equal then jsonb_build_object('field', 'fullNameAr', 'how', 'equal')
             when m.similarity >= ${SIMILARITY_THRESHOLD} then jsonb_build_object('field', 'fullNameAr', 'how', 'similar', 'similarity', round(m.similarity::numeric, 2)) end,
        case when m.latin_equal then jsonb_build_object('field', 'fullNameLatin', 'how', 'equal') end,
        case when a.birth_date = b.birth_date then jsonb_build_object('field', 'birthDate', 'how', 'equal')
             when m.near then jsonb_build_object('field', 'birthDate', 'how', 'within_one_year') end,
        case when a.email_folded = b.email_folded then jsonb_build_object('field', 'email', 'how', 'equal') end
      ], null)) as evidence
    from pairs p
    join applicants a on a.application_id = p.x
    join applicants b on b.application_id = p.y
    -- The names' similarity comes with the pairs the names found (computed once there, by pg_trgm in
    -- memory for a list): only pairs found by another rule compute it here.
    cross join lateral (select coalesce(p.similarity, similarity(a.name_ar_folded, b.name_ar_folded)) as similarity, ${WITHIN_ONE_YEAR} as near,
      -- A name that folds to nothing (an article alone) equals nothing.
      a.name_ar_folded <> '' and a.name_ar_folded = b.name_ar_folded as ar_equal,
      a.name_latin_folded <> '' and a.name_latin_folded = b.name_latin_folded as latin_equal) m
    cross join lateral (select case
      when a.national_id = b.national_id or a.service_number = b.service_number
        or (m.ar_equal and a.birth_date = b.birth_date) then 'likely'
      when m.near and (m.similarity >= ${SIMILARITY_THRESHOLD} or m.latin_equal) then 'possible'
    end as grade) g
    where g.grade is not null`;
}

/** A pair of cases, lower id first: what a flagging needs back of the pairs it stored. */
interface PairKey {
  x: string;
  y: string;
}

interface GradedPair extends PairKey {
  grade: DuplicateGrade;
  similarity: number;
  evidence: DuplicateEvidence[];
}

/**
 * From this many cases at once, similar names are found in memory (similarNamesAmong): it reads the
 * trigrams of every case in the batch's birth window once (about half a second at 100,000 cases),
 * where the index search costs about two milliseconds per case.
 */
export const SEARCH_IN_MEMORY_FROM = 500;

/**
 * Flaggings take turns: each increments the one row of `duplicate_flagging` and holds its lock until
 * commit, so each one's search sees every case the others wrote, and two cases written at the same
 * moment — in two ministries, or a correction beside a registration — never miss each other. The turn
 * logs which cases it flags under its number (`duplicate_flag_log`): turns are numbered in commit
 * order, so a search made outside the turn (`searchDuplicates`) knows which cases it could not see.
 * `%` finds names of similarity ≥ the threshold, set for the caller's transaction only.
 */
async function takeTurn(tx: Db, ids: readonly string[]): Promise<number> {
  const [turn] = await turnTaken.rows(tx, { ids, threshold: String(SIMILARITY_THRESHOLD) });
  return Number(turn!.seq);
}

/**
 * The turn as the CTEs `turn` and `logged` of a caller's statement (`logged` has the turn's `seq`
 * and, in `threshold`, the similarity threshold set for the transaction): taken once `after` (a
 * query) has a row, so a statement that writes a case first takes the turn only once that case is
 * written, and no lock it takes before comes after the turn. The search must come in a later
 * statement, whose snapshot sees every case the turns before this one committed:
 * `flagDuplicates(…, { turnTaken: true })`.
 */
export function turnCtes(after: SQL, ids: SQL): SQL {
  return sql`turn as (
        insert into duplicate_flagging (id, seq) select 1, 1 from (${after} limit 1) as written
        on conflict (id) do update set seq = duplicate_flagging.seq + 1
        returning seq),
      logged as (
        insert into duplicate_flag_log (seq, application_ids) select seq, ${ids} from turn
        returning seq, set_config('pg_trgm.similarity_threshold', ${String(SIMILARITY_THRESHOLD)}, true) as threshold)`;
}

const turnTaken = statement<{ seq: string }>(
  'duplicate_turn_take',
  sql`with ${turnCtes(sql`select 1`, sql`${sql.placeholder('ids')}::uuid[]`)} select seq from logged`,
);

/** How long the turn log is kept: far longer than a search may run (an import's statements have two minutes). */
export const FLAG_LOG_RETENTION_HOURS = 1;

/** Drops the turn log's entries older than FLAG_LOG_RETENTION_HOURS; returns how many went. */
export async function pruneFlagLog(db: Db): Promise<number> {
  const rows = await queryRows<{ seq: string }>(
    db,
    sql`delete from duplicate_flag_log where at < now() - make_interval(hours => ${FLAG_LOG_RETENTION_HOURS}) returning seq`,
  );
  return rows.length;
}

/** Stores graded pairs (`x` < `y`), one row each, replacing what a pair said before. */
function storePairs(pairs: SQL): SQL {
  return sql`
    insert into duplicate_candidates (application_id, candidate_id, grade, evidence)
    select p.x, p.y, p.grade, p.evidence
    from ${pairs}
    order by p.x, p.y
    on conflict (application_id, candidate_id) do update set grade = excluded.grade, evidence = excluded.evidence`;
}

/**
 * The pairs of one case, found and stored in one statement: a prepared statement, so a registration
 * neither builds its text nor, mostly, plans it.
 */
const flagOne = statement<{ pairs: number }>(
  'duplicate_flag_one',
  sql`with graded as (${gradedPairs(sql`array[${sql.placeholder('id')}::uuid]`, 'search')}),
    stored as (${storePairs(sql`graded as p`)} returning 1 as one)
    select count(*)::int as pairs from graded`,
);

/** Cases read between two yields to the event loop (a few milliseconds each). */
const RECORDS_PER_SLICE = 10_000;

/**
 * The names of every case born within the window of one of `ids` (`ids` included), as the trigrams
 * PostgreSQL extracts (`show_trgm`). pg_trgm's trigrams hold letters, digits, spaces or a hash in
 * hexadecimal, never a `|`.
 */
async function nameRecordsOf(tx: Db, ids: readonly string[]): Promise<NameRecord[]> {
  const rows = await queryRows<{ id: string; day: number; trigrams: string }>(
    tx,
    sql`with probes as (select min(birth_date) as earliest, max(birth_date) as latest from applicants where application_id = any(${uuidArray(ids)}))
      select application_id as id, birth_date - date '2000-01-01' as day, array_to_string(show_trgm(name_ar_folded), '|') as trigrams
      from applicants, probes
      where birth_date between probes.earliest - ${WINDOW} and probes.latest + ${WINDOW}`,
  );
  const records: NameRecord[] = [];
  for (const row of rows) {
    if (records.length > 0 && records.length % RECORDS_PER_SLICE === 0) await breathe();
    records.push({ id: row.id, birthDay: row.day, trigrams: row.trigrams === '' ? [] : row.trigrams.split('|') });
  }
  return records;
}

/**
 * The similar Arabic names of `ids` among `records`, found in memory (applications.similar-names.ts):
 * at most NAME_CANDIDATES_PER_CASE per case, the most similar first, as the search's rank.
 */
async function similarNamesAmong(records: readonly NameRecord[], ids: readonly string[]): Promise<SimilarName[]> {
  const found = await similarNames(records, ids, { threshold: SIMILARITY_THRESHOLD, windowDays: BIRTH_WINDOW_DAYS, recordsPerSlice: RECORDS_PER_SLICE });
  found.sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : y.similarity - x.similarity || (x.b < y.b ? -1 : x.b > y.b ? 1 : 0)));
  return found.filter((pair, i) => i < NAME_CANDIDATES_PER_CASE || found[i - NAME_CANDIDATES_PER_CASE]!.a !== pair.a);
}

function similarNamesFor(tx: Db, ids: readonly string[]): Promise<SimilarNames> {
  return ids.length < SEARCH_IN_MEMORY_FROM ? Promise.resolve('search') : nameRecordsOf(tx, ids).then((records) => similarNamesAmong(records, ids));
}

/** The graded pairs of `ids` among all cases. */
async function pairsOf(tx: Db, ids: readonly string[]): Promise<GradedPair[]> {
  return queryRows<GradedPair>(tx, gradedPairs(uuidArray(ids), await similarNamesFor(tx, ids)));
}

/** Graded pairs stored as they are found, in one statement; only their keys come back. */
function storeFound(tx: Db, graded: SQL): Promise<PairKey[]> {
  return queryRows<PairKey>(tx, sql`with graded as (${graded}), stored as (${storePairs(sql`graded as p`)}) select x, y from graded`);
}

/**
 * The pairs of `ids` among all cases, stored as they are found; only the pairs' keys come back (tens
 * of thousands for a batch: their grades and evidence stay in the database). A batch searched in
 * memory is stored in two statements: PostgreSQL grades and stores the pairs of the other rules (IDs,
 * equal Latin names) while the similar names are joined here, then theirs. Every pair is graded on
 * every rule, so one found by both comes out the same from either statement.
 */
async function storedPairsOf(tx: Db, ids: readonly string[]): Promise<PairKey[]> {
  if (ids.length < SEARCH_IN_MEMORY_FROM) return storeFound(tx, gradedPairs(uuidArray(ids), 'search'));
  const records = await nameRecordsOf(tx, ids);
  // Sent before the join starts and awaited after it (a connection runs one statement at a time);
  // the handler keeps a failure meanwhile from counting as unhandled: it is thrown by the await.
  const byOtherRules = storeFound(tx, gradedPairs(uuidArray(ids), []));
  byOtherRules.catch(() => undefined);
  let similar: SimilarName[];
  try {
    similar = await similarNamesAmong(records, ids);
  } catch (error) {
    await byOtherRules.catch(() => undefined);
    throw error;
  }
  const first = await byOtherRules;
  const second = await storeFound(tx, gradedPairs(uuidArray(ids), similar, 'similar names'));
  const seen = new Set(first.map((p) => `${p.x} ${p.y}`));
  return [...first, ...second.filter((p) => !seen.has(`${p.x} ${p.y}`))];
}

async function storeGraded(tx: Db, pairs: readonly GradedPair[]): Promise<void> {
  if (pairs.length === 0) return;
  const rows = pairs.map((p) => ({ x: p.x, y: p.y, grade: p.grade, evidence: p.evidence }));
  await tx.execute(storePairs(sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as p(x uuid, y uuid, grade text, evidence jsonb)`));
}

function forget(tx: Db, ids: readonly string[]) {
  return tx.execute(sql`delete from duplicate_candidates where application_id = any(${uuidArray(ids)}) or candidate_id = any(${uuidArray(ids)})`);
}

/** Per case of `ids`, how many probable duplicates are recorded for it (on either side of a pair). */
export async function candidateCounts(db: Db, ids: readonly string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await queryRows<{ id: string; n: number }>(
    db,
    sql`select id, count(*)::int as n from (
        select application_id as id from duplicate_candidates where application_id = any(${uuidArray(ids)})
        union all
        select candidate_id from duplicate_candidates where candidate_id = any(${uuidArray(ids)})
      ) sides group by id`,
  );
  return new Map(rows.map((row) => [row.id, row.n]));
}

/**
 * What a flagging found for `ids`, from the pairs it stored: each case's number of candidates (on
 * either side of a pair), how many of the cases have one (`flagged`), and how many pairs there are.
 */
function counted(ids: readonly string[], pairs: readonly PairKey[]): { flagged: number; pairs: number; candidates: Map<string, number> } {
  const candidates = new Map(ids.map((id) => [id, 0]));
  for (const { x, y } of pairs) {
    for (const id of [x, y]) {
      const n = candidates.get(id);
      if (n !== undefined) candidates.set(id, n + 1);
    }
  }
  return { flagged: [...candidates.values()].filter((n) => n > 0).length, pairs: pairs.length, candidates };
}

/**
 * Flags the probable duplicates of `applicationIds` (new cases, or cases whose identity changed)
 * among all cases, each other included, in the caller's transaction: their earlier pairs are
 * replaced by the pairs the rules find now, one row per pair (duplicate_candidates). Set-based: a
 * handful of statements whatever the number of ids. Returns how many of the given cases have a
 * candidate (`flagged`), and how many pairs were recorded (`pairs`: for one case, its number of
 * candidates). It takes the flagging turn until the caller commits: call it once,
 * after the transaction's cases are written and any reference counter taken, not between.
 */
export async function flagDuplicates(
  tx: Db,
  applicationIds: readonly string[],
  options: {
    /** The cases were created in this transaction: they have no earlier pairs to replace. */
    fresh?: boolean;
    /** An earlier statement of the transaction took the turn for exactly these cases (`turnCtes`). */
    turnTaken?: boolean;
  } = {},
): Promise<{ flagged: number; pairs: number }> {
  const ids = [...new Set(applicationIds)];
  if (ids.length === 0) return { flagged: 0, pairs: 0 };
  if (!options.turnTaken) await takeTurn(tx, ids);
  if (ids.length === 1) {
    if (!options.fresh) await forget(tx, ids);
    const [row] = await flagOne.rows(tx, { id: ids[0] });
    const pairs = row?.pairs ?? 0;
    return { flagged: pairs > 0 ? 1 : 0, pairs };
  }
  if (!options.fresh) await forget(tx, ids);
  const { flagged, pairs } = counted(ids, await storedPairsOf(tx, ids));
  return { flagged, pairs };
}

/** A search made outside the flagging turn (`searchDuplicates`), to be completed in it (`flagSearched`). */
export interface SearchedDuplicates {
  ids: readonly string[];
  /** The last turn committed before the search began: later turns flagged cases it may not have seen. */
  since: number;
  /** Every pair of `ids` stored so far. */
  pairs: PairKey[];
}

/**
 * The number of the last turn committed (0 before the first), with the similarity threshold set for
 * the searches that follow it outside the turn.
 */
async function lastTurn(tx: Db): Promise<number> {
  const [last] = await queryRows<{ seq: string }>(
    tx,
    sql`select coalesce((select seq from duplicate_flagging where id = 1), 0) as seq,
               set_config('pg_trgm.similarity_threshold', ${String(SIMILARITY_THRESHOLD)}, true)`,
  );
  return Number(last!.seq);
}

/**
 * The first step of flagging many new cases without holding the turn through the search (a batch
 * import: seconds for 10,000 cases, while registrations of every ministry wait on the turn): the
 * pairs of `applicationIds` among all cases as committed now, found and stored outside the turn.
 * `flagSearched` completes it in the turn. The cases must have been created in this transaction.
 */
export async function searchDuplicates(tx: Db, applicationIds: readonly string[]): Promise<SearchedDuplicates> {
  const ids = [...new Set(applicationIds)];
  // Read before the search's own snapshot is taken.
  const since = await lastTurn(tx);
  // Stored now (nobody sees them before the commit): the turn then only corrects what changed meanwhile.
  const pairs = ids.length === 0 ? [] : await storedPairsOf(tx, ids);
  return { ids, since, pairs };
}

/**
 * Brings `searched` up to the turns numbered after its `since` and before `until`: the cases those
 * turns flagged (a registration beside the import saw none of its cases, and the search saw none of
 * them) are searched again, and what was stored for their pairs with the searched cases is replaced by
 * what the rules find now (a correction may have changed them meanwhile).
 */
async function catchUpTo(tx: Db, searched: SearchedDuplicates, until: number): Promise<SearchedDuplicates> {
  const { ids } = searched;
  const given = new Set(ids);
  const logged = await queryRows<{ id: string }>(
    tx,
    sql`select distinct unnest(application_ids) as id from duplicate_flag_log where seq > ${searched.since} and seq < ${until}`,
  );
  const meanwhile = logged.map((row) => row.id).filter((id) => !given.has(id));
  if (meanwhile.length === 0) return { ...searched, since: until - 1 };
  const changed = new Set(meanwhile);
  const again = (await pairsOf(tx, meanwhile)).filter((p) => given.has(p.x) || given.has(p.y));
  await tx.execute(sql`
    delete from duplicate_candidates
    where (application_id = any(${uuidArray(ids)}) and candidate_id = any(${uuidArray(meanwhile)}))
       or (application_id = any(${uuidArray(meanwhile)}) and candidate_id = any(${uuidArray(ids)}))`);
  await storeGraded(tx, again);
  return { ids, since: until - 1, pairs: [...searched.pairs.filter((p) => !changed.has(p.x) && !changed.has(p.y)), ...again] };
}

/**
 * Still outside the turn: catches `searched` up with the turns committed since its search began, so
 * that the turn (`flagSearched`) has only the few flagged while this ran to search again. A turn's
 * number is committed only once every earlier turn has committed or rolled back: those up to it are
 * all in the log, and the search that follows the read sees them.
 */
export async function catchUpOutsideTurn(tx: Db, searched: SearchedDuplicates): Promise<SearchedDuplicates> {
  if (searched.ids.length === 0) return searched;
  return catchUpTo(tx, searched, (await lastTurn(tx)) + 1);
}

/**
 * The second step: takes the turn (until the caller commits) and catches `searched` up with every
 * turn before it, then counts: how many of the cases have a candidate, how many pairs there are, and
 * each case's number of candidates. After it, the searched cases are flagged as if they had been
 * written in this turn.
 */
export async function flagSearched(
  tx: Db,
  searched: SearchedDuplicates,
): Promise<{ flagged: number; pairs: number; candidates: Map<string, number> }> {
  if (searched.ids.length === 0) return { flagged: 0, pairs: 0, candidates: new Map() };
  const seq = await takeTurn(tx, searched.ids);
  const caught = await catchUpTo(tx, searched, seq);
  // The searched cases were created in this transaction: no one else can have paired them, so these
  // are all their pairs, and their counts are what candidateCounts would read.
  return counted(caught.ids, caught.pairs);
}

export interface Duplicate {
  candidateId: string;
  grade: DuplicateGrade;
  similarity: number;
  evidence: DuplicateEvidence[];
  reference: string;
  ministry: string;
  status: CaseStatus;
  applicantUserId: string | null;
  fullNameAr: string;
  fullNameLatin: string | null;
  birthDate: string;
}

const other = sql`case when g.x = ${sql.placeholder('id')}::uuid then g.y else g.x end`;

/** One statement for every read: prepared, so it is neither rebuilt nor, mostly, planned at every call. */
const duplicatesOf = statement<Duplicate>(
  'find_duplicates',
  sql`select applications.id as "candidateId", g.grade as "grade", g.similarity as "similarity", g.evidence as "evidence",
      applications.reference as "reference", applications.ministry as "ministry", applications.status as "status",
      applications.applicant_user_id as "applicantUserId", c.full_name_ar as "fullNameAr", c.full_name_latin as "fullNameLatin",
      c.birth_date::text as "birthDate"
    from (${gradedPairs(sql`array[${sql.placeholder('id')}::uuid]`, 'recorded')}) as g
    join applications on applications.id = ${other}
    join applicants c on c.application_id = applications.id
    order by g.grade = 'likely' desc, g.similarity desc, applications.reference`,
);

/**
 * The probable duplicates of one case by the same rules, graded on the data as it is now: a
 * correction shows at once, and a case registered later shows on the earlier one. Likely first, then
 * by name similarity. Similar names come from the pairs recorded at write time (every write of a
 * name, birth date or ID flags, serialized, so none is missed); IDs and equal names are looked up now.
 */
export async function findDuplicates(db: Db, applicationId: string): Promise<Duplicate[]> {
  return duplicatesOf.rows(db, { id: applicationId });
}

/**
 * GET /applications/:id/duplicates: staff and auditors of the case's ministry (anyone else the one
 * 404). Candidates the caller may see come with their details; a candidate in a scope the caller may
 * not see (the other ministry; the same rule as lists, canSeeCase) is named only by its ministry, grade
 * and which fields matched — no id,
 * reference or personal data — so a double registration is never hidden and nothing leaks. The read
 * is recorded with the candidates shown.
 */
export async function caseDuplicates(args: { db: Db; audit: Pick<AuditTrail, 'read'>; access: Access<AuditContext>; actor: Actor; context: AuditContext; id: string }) {
  const { actor, id } = args;
  const facts = (await args.access.requireAccess({ actor, permission: 'applications:duplicates', ids: [id], context: args.context })).get(id);
  if (!facts) throw new Error('requireAccess returned no record');
  const found = (await findDuplicates(args.db, id)).map((d) => ({ ...d, visible: canSeeCase(actor, d) }));
  const shown = found.filter((d) => d.visible).map((d) => d.candidateId);
  await args.audit.read(args.context, { entityType: CASE_ENTITY, entityId: id, caseId: id, ministry: facts.ministry, details: { view: 'duplicates', candidates: shown } });
  return {
    items: found.map((d) =>
      d.visible
        ? {
            visible: true as const,
            id: d.candidateId,
            reference: d.reference,
            ministry: d.ministry,
            status: d.status,
            grade: d.grade,
            evidence: d.evidence,
            fullNameAr: d.fullNameAr,
            fullNameLatin: d.fullNameLatin,
            birthDate: d.birthDate,
          }
        : { visible: false as const, ministry: d.ministry, grade: d.grade, evidence: d.evidence.map(({ field, how }) => ({ field, how })) },
    ),
  };
}

/**
 * Folds and flags again the cases written under older folds or rules (DEDUP_VERSION), in chunks of
 * `chunk` cases, each chunk one transaction: run at start-up after the migrations, a no-op once done.
 * A chunk's pairs with cases not yet redone are redone with those cases' own chunk.
 */
export async function refreshStaleDuplicates(db: Db, options: { chunk?: number; stop?: () => boolean; onProgress?: (done: number) => void } = {}): Promise<number> {
  const chunk = options.chunk ?? 5_000;
  let total = 0;
  for (;;) {
    if (options.stop?.()) return total;
    const done = await db.transaction(async (tx) => {
      const rows = await tx
        .select({ id: applicants.applicationId, fullNameAr: applicants.fullNameAr, fullNameLatin: applicants.fullNameLatin, email: applicants.email })
        .from(applicants)
        .where(lt(applicants.dedupVersion, DEDUP_VERSION))
        .orderBy(asc(applicants.applicationId))
        .limit(chunk)
        .for('update', { skipLocked: true });
      if (rows.length === 0) return 0;
      const folded = rows.map((r) => ({
        id: r.id,
        ar: foldArabic(r.fullNameAr),
        latin: r.fullNameLatin === null ? null : foldLatin(r.fullNameLatin),
        email: r.email?.toLowerCase() ?? null,
      }));
      await tx.execute(sql`
        update applicants a set name_ar_folded = v.ar, name_latin_folded = v.latin, email_folded = v.email, dedup_version = ${DEDUP_VERSION}
        from jsonb_to_recordset(${JSON.stringify(folded)}::jsonb) as v(id uuid, ar text, latin text, email text)
        where a.application_id = v.id`);
      await flagDuplicates(
        tx,
        rows.map((r) => r.id),
      );
      return rows.length;
    });
    if (done === 0) return total;
    total += done;
    options.onProgress?.(total);
  }
}

