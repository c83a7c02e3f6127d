import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { statement } from '../../db/statement.js';
import { canonicalJson, chainHash, personalDigest, type CanonicalEntry, type FieldChange } from './audit.chain.js';
import { checkEvent, isClear, type AuditAction, type AuditEvent, type CheckedEvent } from './audit.events.js';
import { auditHead, auditLog } from './audit.table.js';

export type { AuditEvent, AuditAction } from './audit.events.js';

/** Who did it, from where: taken from the request (`auditContext(request)` in audit.context.ts). */
export interface AuditContext {
  actor: { id: string; role: string } | null;
  requestId: string | null;
  /** The client's address in clear; the entry stores only its keyed hash (location data). */
  clientAddress: string | null;
  /**
   * The client's own X-Request-Id, kept beside the server's `requestId` for correlation (optional:
   * contexts without a request have none). Hashed into the entry only when there is one.
   */
  clientRequestId?: string | null;
}

export interface AppendedEntry {
  seq: number;
  hash: string;
}

/** One entry with its own context: group-committed reads carry entries of many requests. */
export interface ContextualEvent {
  context: AuditContext;
  event: AuditEvent;
}

declare const audited: unique symbol;
/**
 * The handle of an audited transaction. It is a `Db` (queries run through it), but a plain `Db` is
 * not one: `record` only takes this, so an entry cannot be written outside the change it belongs to.
 */
export type AuditTx = Db & { readonly [audited]: true };

/** Records entries in an audited transaction; they are appended when the callback returns. */
export type RecordFn = (events: AuditEvent[]) => Promise<void>;

export interface AuditWriter {
  /**
   * Runs `fn` in one transaction and appends the entries it records at its end, taking the chain
   * head last (like every writer, so no two writers lock in opposite orders). A transaction that
   * records no entry fails and rolls back: an audited change never commits silently.
   */
  inTransaction<T>(db: Db, context: AuditContext, fn: (tx: AuditTx, record: RecordFn) => Promise<T>): Promise<T>;
  /** Records entries in the audited transaction `tx` (the same as the callback's `record`). */
  record(tx: AuditTx, ...events: AuditEvent[]): void;
  /**
   * Appends entries inside the caller's transaction, each with its own context: takes the chain
   * head (FOR UPDATE, or by moving it on from the head this writer's last append left), so appends
   * are serialized until commit. Call it last in the transaction.
   */
  appendEach(tx: Db, entries: ContextualEvent[]): Promise<AppendedEntry[]>;
  /** `appendEach` with one context for every entry. */
  append(tx: Db, context: AuditContext, events: AuditEvent[]): Promise<AppendedEntry[]>;
}

export interface AuditWriterOptions {
  hmacKey: string;
  /** Called with the new head inside the same transaction, e.g. to sign a checkpoint. */
  onAppended?: (tx: Db, head: AppendedEntry, previousSeq: number) => Promise<void>;
}

/** JSON has no undefined: drop such members so canonical text and stored values agree. */
function jsonSafe<T>(value: T): T {
  return JSON.parse(JSON.stringify(value ?? {})) as T;
}

/**
 * An audit_log row under its column names (for json_populate_recordset): the hashed canonical text
 * and the query columns copied from the same entry, which verify checks agree with it.
 */
export function auditLogRow(entry: CanonicalEntry, canonical: string, prevHash: string, hash: string): Record<string, string | number | null> {
  return {
    seq: entry.seq,
    at: entry.at,
    actor_id: entry.actor?.id ?? null,
    actor_role: entry.actor?.role ?? null,
    action: entry.action,
    entity_type: entry.entityType,
    entity_id: entry.entityId,
    case_id: entry.caseId,
    ministry: entry.ministry,
    outcome: entry.outcome,
    request_id: entry.requestId,
    canonical,
    prev_hash: prevHash,
    hash,
  };
}

/** An entry as it is before the chain gives it its place (`seq`) and time (`at`). */
type PreparedEntry = Omit<CanonicalEntry, 'seq' | 'at'>;

const missingHead = () => new Error('audit chain head is missing: migrations not applied');

/** `changes`, `personal` and `details` of an event as stored: clear where the catalogue says so, keyed hashes otherwise. */
export function classify(hmacKey: string, event: CheckedEvent): { changes: Record<string, FieldChange>; details: Record<string, unknown> } {
  const digest = (value: unknown) => personalDigest(hmacKey, value);
  const changes: Record<string, FieldChange> = {};
  const side = (action: AuditAction, field: string, change: FieldChange, forceHash: boolean): FieldChange => {
    const clear = !forceHash && isClear(action, field);
    const out: FieldChange = {};
    if ('before' in change) out.before = clear ? change.before : digest(change.before);
    if ('after' in change) out.after = clear ? change.after : digest(change.after);
    return out;
  };
  for (const [field, change] of Object.entries(event.changes ?? {})) changes[field] = side(event.action, field, change, false);
  for (const [field, change] of Object.entries(event.personal ?? {})) changes[field] = side(event.action, field, change, true);
  const details: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(event.details ?? {})) {
    if (value === undefined) continue;
    details[field] = isClear(event.action, field) ? value : digest(value);
  }
  return { changes: jsonSafe(changes), details: jsonSafe(details) };
}

/** The chain head, locked until commit: every writer takes it last (one prepared statement, as each append is). */
const takeHead = statement<{ seq: number | string; hash: string }>('audit_head_take', sql`select ${auditHead.seq} as seq, ${auditHead.hash} as hash from ${auditHead} where ${auditHead.id} = 1 for update`);

/** The chained rows appended and the head moved to the last of them, in one statement. */
const appendRows = statement<never>(
  'audit_append',
  sql`with appended as (insert into ${auditLog} select * from json_populate_recordset(null::audit_log, ${sql.placeholder('rows')}::json))
      update ${auditHead} set seq = ${sql.placeholder('seq')}::bigint, hash = ${sql.placeholder('hash')}::text, updated_at = now() where ${auditHead.id} = 1`,
);

/**
 * The same on top of a guessed head, `expected` (its seq and hash), without taking the head first. The
 * update locks the head, waiting for a writer that holds it, and then moves it only if it is still
 * `expected` as last committed: the check is in the SET, which READ COMMITTED evaluates on the row as
 * locked (a WHERE would be checked on the statement's snapshot, and skip a head moved since without
 * waiting). The rows are written only if it moved. Either way the head is now locked until commit,
 * and `seq` and `hash` are the head as it stands: the guessed one's successor, or the head to chain on.
 */
const appendAfter = (() => {
  // Evaluated on the head as locked (see above), for each column the append moves.
  const guessed = sql`${auditHead.seq} = ${sql.placeholder('expectedSeq')}::bigint and ${auditHead.hash} = ${sql.placeholder('expectedHash')}::text`;
  return statement<{ seq: number | string; hash: string }>(
    'audit_append_after',
    sql`with head as (
          update ${auditHead} set
            seq = case when ${guessed} then ${sql.placeholder('seq')}::bigint else ${auditHead.seq} end,
            hash = case when ${guessed} then ${sql.placeholder('hash')}::text else ${auditHead.hash} end,
            updated_at = case when ${guessed} then now() else ${auditHead.updatedAt} end
          where ${auditHead.id} = 1
          returning ${auditHead.seq} as seq, ${auditHead.hash} as hash),
        appended as (
          insert into ${auditLog} select * from json_populate_recordset(null::audit_log, ${sql.placeholder('rows')}::json)
          where exists (select 1 from head where head.seq = ${sql.placeholder('seq')}::bigint and head.hash = ${sql.placeholder('hash')}::text))
        select seq, hash from head`,
  );
})();

export function createAuditWriter(options: AuditWriterOptions): AuditWriter {
  const pending = new WeakMap<object, AuditEvent[]>();
  /**
   * The head this writer's last append will leave, the next append's guess: appended on top of it in
   * one statement (`appendAfter`), it need not take the head first, a round trip less. It is set as
   * soon as an append is chained, before it is written, so an append that starts while another is
   * under way (or committing) queues behind that one's lock and chains on what it leaves. A guess
   * that proves wrong (another instance appended, or that transaction rolled back) costs one more
   * statement, on the head the failed guess locked.
   */
  let known: AppendedEntry | null = null;

  /**
   * Everything of each entry but its place in the chain: worked out before the head is
   * taken, so the chain is held only while the entries are numbered and hashed. The client address's
   * keyed hash is computed once per context (a batch's entries share one).
   */
  function prepare(entries: ContextualEvent[]): PreparedEntry[] {
    const addresses = new Map<AuditContext, string | null>();
    return entries.map(({ context, event: raw }) => {
      const event = checkEvent(raw);
      let clientAddress = addresses.get(context);
      if (clientAddress === undefined) {
        clientAddress = personalDigest(options.hmacKey, context.clientAddress);
        addresses.set(context, clientAddress);
      }
      return {
        actor: context.actor ? { id: context.actor.id, role: context.actor.role } : null,
        action: event.action,
        entityType: event.entityType,
        entityId: event.entityId ?? null,
        caseId: event.caseId?.toLowerCase() ?? null,
        ministry: event.ministry ?? null,
        outcome: event.outcome ?? 'success',
        requestId: context.requestId,
        // Only when the client sent one, so entries without it keep the v2 shape exactly.
        ...(context.clientRequestId ? { clientRequestId: context.clientRequestId } : {}),
        clientAddress,
        ...classify(options.hmacKey, event),
      };
    });
  }

  /** Chains prepared entries after `head`: their audit_log rows, and the new head. */
  function chain(head: AppendedEntry, entries: PreparedEntry[]) {
    let seq = head.seq;
    let prevHash = head.hash;
    const at = new Date().toISOString();
    const rows: Record<string, string | number | null>[] = [];
    const appended: AppendedEntry[] = [];
    for (const prepared of entries) {
      seq += 1;
      const entry: CanonicalEntry = { seq, at, ...prepared };
      const canonical = canonicalJson(entry);
      const hash = chainHash(seq, prevHash, canonical);
      rows.push(auditLogRow(entry, canonical, prevHash, hash));
      appended.push({ seq, hash });
      prevHash = hash;
    }
    return { rows, appended, last: { seq, hash: prevHash } };
  }

  type Appended = { chained: ReturnType<typeof chain>; previousSeq: number };

  /** Chains prepared entries after `head`, which is the next append's guess from now on. */
  function chainOn(head: AppendedEntry, prepared: PreparedEntry[]): Appended {
    const chained = chain(head, prepared);
    known = chained.last;
    return { chained, previousSeq: head.seq };
  }

  /** Writes the chained rows and moves the head, which this transaction holds. */
  async function write(tx: Db, { chained }: Appended): Promise<void> {
    await appendRows.rows(tx, { rows: JSON.stringify(chained.rows), seq: chained.last.seq, hash: chained.last.hash });
  }

  /** Appends on top of `guess` if it is the head once locked; otherwise on the head it found (locked too). */
  async function onGuessedHead(tx: Db, guess: AppendedEntry, prepared: PreparedEntry[]): Promise<Appended> {
    const done = chainOn(guess, prepared);
    const { last } = done.chained;
    const [row] = await appendAfter.rows(tx, { rows: JSON.stringify(done.chained.rows), seq: last.seq, hash: last.hash, expectedSeq: guess.seq, expectedHash: guess.hash });
    if (!row) throw missingHead();
    // bigint comes as text from the driver.
    const head = { seq: Number(row.seq), hash: row.hash };
    if (head.seq === last.seq && head.hash === last.hash) return done;
    const retried = chainOn(head, prepared);
    await write(tx, retried);
    return retried;
  }

  /** Takes the head (locked until commit) and appends on top of it: the first append, with no guess. */
  async function onTakenHead(tx: Db, prepared: PreparedEntry[]): Promise<Appended> {
    const [taken] = await takeHead.rows(tx);
    if (!taken) throw missingHead();
    const done = chainOn({ seq: Number(taken.seq), hash: taken.hash }, prepared);
    await write(tx, done);
    return done;
  }

  const writer: AuditWriter = {
    async appendEach(tx, entries) {
      if (entries.length === 0) return [];
      // Checked and classified before the head is taken: a malformed event never holds the chain.
      const prepared = prepare(entries);
      const done = known ? await onGuessedHead(tx, known, prepared) : await onTakenHead(tx, prepared);
      await options.onAppended?.(tx, done.chained.last, done.previousSeq);
      return done.chained.appended;
    },

    append(tx, context, events) {
      return writer.appendEach(
        tx,
        events.map((event) => ({ context, event })),
      );
    },

    record(tx, ...events) {
      const list = pending.get(tx);
      if (!list) throw new Error('audit.record: not an audited transaction (open one with audit.inTransaction)');
      for (const event of events) checkEvent(event);
      list.push(...events);
    },

    inTransaction(db, context, fn) {
      return db.transaction(async (plain) => {
        const tx = plain as unknown as AuditTx;
        const events: AuditEvent[] = [];
        pending.set(tx, events);
        try {
          const result = await fn(tx, async (more) => writer.record(tx, ...more));
          if (events.length === 0) throw new Error('an audited transaction recorded no audit entry: nothing was committed');
          // Appended last, so the chain head is held only for the end of the transaction.
          await writer.appendEach(
            tx,
            events.map((event) => ({ context, event })),
          );
          return result;
        } finally {
          pending.delete(tx);
        }
      });
    },
  };
  return writer;
}
