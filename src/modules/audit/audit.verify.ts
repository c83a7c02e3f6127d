import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { KeyObject } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../db/client.js';
import { GENESIS_HASH, chainHash, checkpointSignatureValid } from './audit.chain.js';
import { isoTime } from './audit.checkpoints.js';

export type ProblemKind = 'gap' | 'changed_entry' | 'broken_link' | 'head_mismatch' | 'checkpoint_mismatch' | 'bad_signature';

export interface VerifyProblem {
  kind: ProblemKind;
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  /** Entries whose hash was recomputed in this run. */
  checked: number;
  mode: 'full' | 'incremental';
  /** The run started after this entry (0 = from the start); the entry itself is the verified anchor. */
  fromSeq: number;
  headSeq: number;
  headHash: string;
  firstBadSeq: number | null;
  problem: VerifyProblem | null;
  /** Signed checkpoints compared with the chain in this run. */
  checkpointsChecked: number;
  /** Checkpoints signed by another key than the configured one (not trusted, not compared). */
  checkpointsSkipped: number;
  /** The newest checkpoint the chain was proved to extend (to be marked verified), if any. */
  lastCheckpointSeq: number | null;
  durationMs: number;
}

export interface VerifyOptions {
  database: Database;
  publicKey: KeyObject;
  keyId: string;
  /** Recompute from the first entry instead of from the last verified checkpoint. */
  full?: boolean;
  /** A checkpoint the auditor holds outside the system: the chain must still pass through it. */
  checkpoint?: { seq: number; hash: string };
  batchSize?: number;
}

/** Rows as arrays of raw text (no per-value parsing), in one REPEATABLE READ snapshot. */
type RawQuery = (text: string, params: unknown[]) => Promise<(string | null)[][]>;
/**
 * Streams the two text columns of each row to `sink` as they arrive (nothing accumulates, so the
 * rows die young); once `sink` returns false the remaining rows of this query are skipped.
 */
type RawStream = (text: string, params: unknown[], sink: (first: string, second: string) => boolean) => Promise<number>;

const rawText = (value: string) => value;
const RAW_PARSERS = { 16: rawText, 20: rawText, 23: rawText, 25: rawText, 1184: rawText, 2950: rawText };

async function withSnapshot<T>(database: Database, fn: (query: RawQuery, stream: RawStream) => Promise<T>): Promise<T> {
  const settings = ['set transaction isolation level repeatable read, read only', "set local time zone 'UTC'", "set local datestyle = 'ISO, YMD'"];
  if (database.kind === 'pglite') {
    const client = (database.db as unknown as { $client: PGlite }).$client;
    return client.transaction(async (tx: Transaction) => {
      for (const statement of settings) await tx.query(statement);
      const query: RawQuery = async (text, params) => (await tx.query<(string | null)[]>(text, params, { rowMode: 'array', parsers: RAW_PARSERS })).rows;
      // The embedded database has no row streaming; its logs are small.
      const stream: RawStream = async (text, params, sink) => {
        const rows = await query(text, params);
        for (const row of rows) if (!sink(row[0]!, row[1]!)) break;
        return rows.length;
      };
      return fn(query, stream);
    });
  }
  return database.withSession(async (db) => {
    const client = (db as unknown as { $client: pg.PoolClient }).$client;
    const types = { getTypeParser: () => rawText };
    await client.query('begin');
    try {
      for (const statement of settings) await client.query(statement);
      const query: RawQuery = async (text, params) => (await client.query<(string | null)[]>({ text, values: params, rowMode: 'array', types })).rows;
      const stream: RawStream = (text, params, sink) =>
        new Promise((resolve, reject) => {
          const streamed = new pg.Query({ text, values: params, rowMode: 'array', types } as pg.QueryConfig);
          // pg keeps every row as well when the pool sets a query timeout (it adds a callback);
          // streamed rows must not pile up, or the garbage collector dominates the run.
          const internals = streamed as unknown as { handleRowDescription(message: unknown): void; _accumulateRows: boolean };
          const describe = internals.handleRowDescription.bind(streamed);
          internals.handleRowDescription = (message) => {
            describe(message);
            internals._accumulateRows = false;
          };
          let count = 0;
          let open = true;
          streamed.on('row', (row: (string | null)[]) => {
            count += 1;
            if (open) open = sink(row[0]!, row[1]!);
          });
          streamed.on('end', () => resolve(count));
          streamed.on('error', reject);
          void client.query(streamed);
        });
      const result = await fn(query, stream);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }
  });
}

interface Checkpoint {
  seq: number;
  hash: string;
  signedAt: string;
  keyId: string;
  signature: string;
  verified: boolean;
}

interface ParsedEntry {
  seq?: unknown;
  at?: unknown;
  actor?: { id?: unknown; role?: unknown } | null;
  action?: unknown;
  entityType?: unknown;
  entityId?: unknown;
  caseId?: unknown;
  ministry?: unknown;
  outcome?: unknown;
  requestId?: unknown;
}

/** `timestamptz` as PostgreSQL prints it (UTC, DateStyle ISO) → the entry's ISO time; null if not millisecond-exact. */
function isoFromPg(text: string): string | null {
  // 2026-01-01 00:00:00.12+00
  if (text.length < 22 || text[10] !== ' ' || !text.endsWith('+00')) return null;
  const fraction = text[19] === '.' ? text.slice(20, -3) : '';
  if (fraction.length > 3) return null;
  return `${text.slice(0, 10)}T${text.slice(11, 19)}.${fraction.padEnd(3, '0')}Z`;
}

// The query columns come packed into one text by the server (see ROW_COLUMNS): fields separated by
// US; nullable fields prefixed with 'v' when set, 'n' when null, so null and any text differ.
const US = '\u001f';
const FIELDS = 13;
const nullable = (field: string) => (field === 'n' ? null : field.slice(1));

/** Length of `value` as a JSON string literal when it needs no escaping, else -1. */
function plainLength(value: string): number {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 34 || c === 92 || c < 32) return -1;
  }
  return value.length + 2;
}

/** Matches `literal` (raw JSON text) at `pos`; the position after it, or -1. */
function matchRaw(text: string, pos: number, literal: string): number {
  return pos >= 0 && text.startsWith(literal, pos) ? pos + literal.length : -1;
}

/** Matches `value` as a JSON string literal at `pos` (null as `null`); the position after it, or -1. */
function matchString(text: string, pos: number, value: string | null): number {
  if (pos < 0) return -1;
  if (value === null) return matchRaw(text, pos, 'null');
  if (plainLength(value) < 0) return matchRaw(text, pos, JSON.stringify(value));
  if (text.charCodeAt(pos) !== 34 || !text.startsWith(value, pos + 1) || text.charCodeAt(pos + 1 + value.length) !== 34) return -1;
  return pos + value.length + 2;
}

const encodedLength = (value: string | null) => (value === null ? 4 : plainLength(value) >= 0 ? value.length + 2 : JSON.stringify(value).length);

/**
 * Whether the hashed canonical text says what the query columns say, without parsing it: canonical
 * JSON has sorted keys, so the columns fix its beginning (action, actor, at) and its end (entityId,
 * entityType, outcome, requestId, seq). JSON string escaping makes both matches unambiguous.
 */
function columnsMatch(fields: string[], canonical: string): boolean {
  const at = isoFromPg(fields[10]!);
  if (at === null) return false;
  const actorId = nullable(fields[3]!);
  const actorRole = nullable(fields[4]!);
  let pos = matchString(canonical, matchRaw(canonical, 0, '{"action":'), fields[5]!);
  pos = matchRaw(canonical, pos, ',"actor":');
  if (actorId === null && actorRole === null) pos = matchRaw(canonical, pos, 'null');
  else if (actorId === null || actorRole === null) return false;
  else pos = matchRaw(canonical, matchString(canonical, matchRaw(canonical, matchString(canonical, matchRaw(canonical, pos, '{"id":'), actorId), ',"role":'), actorRole), '}');
  pos = matchRaw(canonical, matchString(canonical, matchRaw(canonical, pos, ',"at":'), at), ',"caseId":');
  pos = matchRaw(canonical, matchString(canonical, pos, nullable(fields[11]!)), ',"changes":');
  if (pos < 0) return false;

  const entityId = nullable(fields[7]!);
  const requestId = nullable(fields[9]!);
  const seqText = fields[0]!;
  const ministry = nullable(fields[12]!);
  const tailLength =
    12 +
    encodedLength(entityId) +
    14 +
    encodedLength(fields[6]!) +
    12 +
    encodedLength(ministry) +
    11 +
    encodedLength(fields[8]!) +
    13 +
    encodedLength(requestId) +
    7 +
    seqText.length +
    1;
  let end = canonical.length - tailLength;
  if (end < pos) return false;
  end = matchString(canonical, matchRaw(canonical, end, ',"entityId":'), entityId);
  end = matchString(canonical, matchRaw(canonical, end, ',"entityType":'), fields[6]!);
  end = matchString(canonical, matchRaw(canonical, end, ',"ministry":'), ministry);
  end = matchString(canonical, matchRaw(canonical, end, ',"outcome":'), fields[8]!);
  end = matchString(canonical, matchRaw(canonical, end, ',"requestId":'), requestId);
  end = matchRaw(canonical, matchRaw(canonical, matchRaw(canonical, end, ',"seq":'), seqText), '}');
  return end === canonical.length;
}

/** Names the query column that disagrees with the hashed entry (slow path, one row). */
async function columnDisagreement(query: RawQuery, seq: number, entry: ParsedEntry): Promise<string | null> {
  const [row] = await query(
    `select actor_id::text, actor_role, action, entity_type, entity_id, outcome, request_id, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), case_id::text, ministry from audit_log where seq = $1`,
    [seq],
  );
  if (!row) return 'entry vanished during the run';
  const actor = entry.actor ?? null;
  if ((actor?.id ?? null) !== row[0] || (actor?.role ?? null) !== row[1]) return 'actor columns disagree with the entry';
  if (entry.action !== row[2]) return 'action column disagrees with the entry';
  if (entry.entityType !== row[3]) return 'entity_type column disagrees with the entry';
  if ((entry.entityId ?? null) !== row[4]) return 'entity_id column disagrees with the entry';
  if ((entry.caseId ?? null) !== row[8]) return 'case_id column disagrees with the entry';
  if ((entry.ministry ?? null) !== row[9]) return 'ministry column disagrees with the entry';
  if (entry.outcome !== row[5]) return 'outcome column disagrees with the entry';
  if ((entry.requestId ?? null) !== row[6]) return 'request_id column disagrees with the entry';
  const at = row[7]!;
  if (typeof entry.at !== 'string' || entry.at.length !== 24 || !at.endsWith('000') || entry.at.slice(0, 23) !== at.slice(0, 23)) {
    return 'at column disagrees with the entry';
  }
  return null;
}

/** Slow path for one row: parse the entry and compare it column by column, naming the difference. */
async function diagnose(query: RawQuery, seq: number, canonical: string): Promise<string | null> {
  let entry: ParsedEntry;
  try {
    entry = JSON.parse(canonical) as ParsedEntry;
  } catch {
    return 'canonical text is not JSON';
  }
  if (entry.seq !== seq) return `entry carries seq ${String(entry.seq)}: moved from another position`;
  return columnDisagreement(query, seq, entry);
}

/**
 * Two text columns per entry keep the transfer lean: the query columns packed by the server
 * (seq, prev_hash, hash, then the copies of the entry's fields), and the canonical text.
 */
const ROW_COLUMNS = `concat_ws(E'\\x1f', seq, prev_hash, hash, coalesce('v' || actor_id::text, 'n'), coalesce('v' || actor_role, 'n'), action, entity_type,
  coalesce('v' || entity_id, 'n'), outcome, coalesce('v' || request_id, 'n'), at, coalesce('v' || case_id::text, 'n'), coalesce('v' || ministry, 'n')), canonical`;

/**
 * Recomputes the hash chain in sequence order, in keyset batches inside one snapshot, and names the
 * first entry that is missing (gap), altered (changed_entry: hash or query columns), or no longer
 * linked to its predecessor (broken_link); then compares the head and the signed checkpoints.
 * By default it starts from the newest checkpoint already verified (its signature and its entry's
 * hash are checked again); `full` starts from the first entry.
 */
export async function verifyChain(options: VerifyOptions): Promise<VerifyReport> {
  const started = performance.now();
  const batchSize = options.batchSize ?? 100_000;
  return withSnapshot(options.database, async (query, stream) => {
    const [headRow] = await query('select seq::text, hash from audit_head where id = 1', []);
    if (!headRow) throw new Error('audit chain head is missing: migrations not applied');
    const headSeq = Number(headRow[0]);
    const headHash = headRow[1]!;
    const checkpoints: Checkpoint[] = (
      await query('select seq::text, hash, signed_at::text, key_id, signature, (verified_at is not null)::text from audit_checkpoints order by audit_checkpoints.seq', [])
    ).map((r) => ({ seq: Number(r[0]), hash: r[1]!, signedAt: isoTime(r[2]!), keyId: r[3]!, signature: r[4]!, verified: r[5] === 'true' }));

    let checked = 0;
    let checkpointsChecked = 0;
    let lastCheckpointSeq: number | null = null;
    const own = checkpoints.filter((c) => c.keyId === options.keyId);
    const checkpointsSkipped = checkpoints.length - own.length;
    const report = (firstBadSeq: number | null, problem: VerifyProblem | null, fromSeq: number, mode: VerifyReport['mode']): VerifyReport => ({
      ok: problem === null,
      checked,
      mode,
      fromSeq,
      headSeq,
      headHash,
      firstBadSeq,
      problem,
      checkpointsChecked,
      checkpointsSkipped,
      lastCheckpointSeq: problem === null ? lastCheckpointSeq : null,
      durationMs: Math.round(performance.now() - started),
    });
    const signatureValid = (c: Checkpoint) => checkpointSignatureValid(options.publicKey, c.seq, c.hash, c.signedAt, c.signature);

    // Where to start: the newest verified checkpoint at or before the head (and before the
    // auditor's own checkpoint, so the run passes through it), unless a full run is asked for.
    const limitSeq = Math.min(headSeq, options.checkpoint?.seq ?? headSeq);
    const anchor = options.full ? undefined : own.filter((c) => c.verified && c.seq <= limitSeq).at(-1);
    const mode = anchor ? 'incremental' : 'full';
    let expectedSeq = 1;
    let prevHash = GENESIS_HASH;
    if (anchor) {
      if (!signatureValid(anchor)) return report(anchor.seq, { kind: 'bad_signature', detail: 'the verified checkpoint it starts from has a bad signature' }, anchor.seq, mode);
      const [row] = await query('select seq::text, prev_hash, hash, canonical from audit_log where seq = $1', [anchor.seq]);
      if (!row) return report(anchor.seq, { kind: 'gap', detail: 'the entry of the verified checkpoint is missing' }, anchor.seq, mode);
      checked += 1;
      const recomputed = chainHash(String(row[0]), String(row[1]), String(row[3]));
      if (recomputed !== row[2]) return report(anchor.seq, { kind: 'changed_entry', detail: 'hash does not match the entry' }, anchor.seq, mode);
      if (row[2] !== anchor.hash) return report(anchor.seq, { kind: 'checkpoint_mismatch', detail: 'the entry no longer has the hash of its signed checkpoint' }, anchor.seq, mode);
      checkpointsChecked += 1;
      lastCheckpointSeq = anchor.seq;
      expectedSeq = anchor.seq + 1;
      prevHash = anchor.hash;
    }
    const fromSeq = expectedSeq - 1;

    // Checkpoints the run will pass, in order, with the auditor's own among them.
    const external = options.checkpoint;
    const marks = own.filter((c) => c.seq >= expectedSeq && c.seq <= headSeq);
    let markIndex = 0;
    let nextMark = marks[0]?.seq ?? Infinity;
    const externalSeq = external && external.seq >= expectedSeq ? external.seq : Infinity;
    if (external && external.seq < expectedSeq && external.seq === fromSeq && external.hash !== prevHash) {
      return report(external.seq, { kind: 'checkpoint_mismatch', detail: 'the chain does not pass through the given checkpoint' }, fromSeq, mode);
    }
    if (external && external.seq > headSeq) {
      return report(external.seq, { kind: 'checkpoint_mismatch', detail: `the log ends at ${headSeq}, before the given checkpoint` }, fromSeq, mode);
    }

    const batchQuery = `select ${ROW_COLUMNS} from audit_log where seq > $1 and seq <= $2 order by audit_log.seq limit $3`;
    let found: { seq: number; problem: VerifyProblem } | null = null;
    // A row whose columns the fast comparison could not confirm: named column by column after its query.
    let suspect: { seq: number; canonical: string; hash: string } | null = null;

    /** Everything but the column agreement is checked here; state only advances for a sound row. */
    const accept = (seq: number, rowHash: string): boolean => {
      prevHash = rowHash;
      expectedSeq = seq + 1;
      if (seq === nextMark) {
        const mark = marks[markIndex]!;
        if (!signatureValid(mark)) found = { seq, problem: { kind: 'bad_signature', detail: 'checkpoint signature does not verify' } };
        else if (mark.hash !== rowHash) found = { seq, problem: { kind: 'checkpoint_mismatch', detail: 'the entry does not have the hash of its signed checkpoint' } };
        else {
          checkpointsChecked += 1;
          lastCheckpointSeq = seq;
          markIndex += 1;
          nextMark = marks[markIndex]?.seq ?? Infinity;
        }
      }
      if (!found && seq === externalSeq && external!.hash !== rowHash) {
        found = { seq, problem: { kind: 'checkpoint_mismatch', detail: 'the chain does not pass through the given checkpoint' } };
      }
      return found === null;
    };

    const onRow = (packed: string, canonical: string): boolean => {
      const fields = packed.split(US);
      const seqText = fields[0]!;
      const seq = Number(seqText);
      if (seq !== expectedSeq) {
        found = { seq: expectedSeq, problem: { kind: 'gap', detail: `entry ${expectedSeq} is missing (next is ${seq})` } };
        return false;
      }
      checked += 1;
      const rowPrevHash = fields[1]!;
      const rowHash = fields[2]!;
      if (chainHash(seqText, rowPrevHash, canonical) !== rowHash) {
        found = { seq, problem: { kind: 'changed_entry', detail: 'hash does not match the entry' } };
        return false;
      }
      if (rowPrevHash !== prevHash) {
        found = { seq, problem: { kind: 'broken_link', detail: 'prev_hash is not the hash of the previous entry' } };
        return false;
      }
      if (fields.length !== FIELDS || !columnsMatch(fields, canonical)) {
        suspect = { seq, canonical, hash: rowHash };
        return false;
      }
      return accept(seq, rowHash);
    };

    let after = expectedSeq - 1;
    while (after < headSeq && !found) {
      const seen = await stream(batchQuery, [after, headSeq, batchSize], onRow);
      if (found) break;
      if (suspect) {
        const { seq, canonical, hash: rowHash } = suspect as { seq: number; canonical: string; hash: string };
        suspect = null;
        const disagreement = await diagnose(query, seq, canonical);
        if (disagreement) found = { seq, problem: { kind: 'changed_entry', detail: disagreement } };
        else if (accept(seq, rowHash)) after = seq;
        continue;
      }
      if (seen < batchSize) break;
      after = expectedSeq - 1;
    }
    if (found) {
      return report(found.seq, found.problem, fromSeq, mode);
    }

    if (expectedSeq <= headSeq) {
      return report(expectedSeq, { kind: 'gap', detail: `entries ${expectedSeq}..${headSeq} are missing at the end` }, fromSeq, mode);
    }
    if (prevHash !== headHash) return report(headSeq, { kind: 'head_mismatch', detail: 'the head hash is not the hash of the last entry' }, fromSeq, mode);
    const [beyond] = await query('select seq::text from audit_log where seq > $1 order by audit_log.seq limit 1', [headSeq]);
    if (beyond) return report(Number(beyond[0]), { kind: 'head_mismatch', detail: 'entries exist after the head' }, fromSeq, mode);
    // A signed checkpoint after the head means the log was cut back.
    const lost = own.find((c) => c.seq > headSeq);
    if (lost) {
      const kind = signatureValid(lost) ? 'checkpoint_mismatch' : 'bad_signature';
      return report(lost.seq, { kind, detail: `a checkpoint was signed at ${lost.seq}, after the head ${headSeq}` }, fromSeq, mode);
    }
    return report(null, null, fromSeq, mode);
  });
}
