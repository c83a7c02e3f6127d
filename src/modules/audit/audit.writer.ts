import { eq, getTableColumns, getTableName, is, SQL, sql } from 'drizzle-orm';
import { CasingCache } from 'drizzle-orm/casing';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/client.js';
import { queryPrepared } from '../../db/client.js';
import { auditHead, auditLog } from './audit.table.js';
import { canonicalJson, chainHash, personalDigest, type AuditOutcome, type CanonicalEntry, type FieldChange } from './audit.chain.js';

/** Who did it, from where: taken from the request (`auditContext(request)` in audit.context.ts). */
export interface AuditContext {
  actor: { id: string; role: string } | null;
  requestId: string | null;
  clientAddress: string | null;
}

export interface AuditEvent {
  action: string;
  entityType: string;
  entityId?: string | null;
  /** The case the entry concerns, when it concerns one. */
  caseId?: string | null;
  /** The ministry the entry concerns (a scoped auditor's filter). */
  ministry?: string | null;
  outcome?: AuditOutcome;
  /** Workflow data (status, decisions, scores, roles): stored in clear. */
  changes?: Record<string, FieldChange>;
  /** Personal data (names, ID numbers, contacts, notes): stored only as keyed hashes. */
  personal?: Record<string, FieldChange>;
  /** Non-personal context (reason codes, counts, ids of related records). */
  details?: Record<string, unknown>;
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

/**
 * A row that must commit together with audit entries appended by `commitEach` (a sign-in's session
 * and its `auth.login` entry): build it with `insertWith(table, values)`.
 */
export interface InsertWith {
  table: PgTable;
  values: Record<string, unknown>;
}

/** A row for `commitEach`, typed like a drizzle insert into `table`. */
export function insertWith<T extends PgTable>(table: T, values: T['$inferInsert']): InsertWith {
  return { table, values };
}

export interface AuditWriter {
  /**
   * Appends entries inside the caller's transaction: the change and its entries commit or roll
   * back together. Takes the chain head FOR UPDATE, so appends are serialized until commit.
   */
  append(tx: Db, context: AuditContext, events: AuditEvent[]): Promise<AppendedEntry[]>;
  /** Like `append`, each entry with its own context (one chain lock for all of them). */
  appendEach(tx: Db, entries: ContextualEvent[]): Promise<AppendedEntry[]>;
  /**
   * Appends entries, and inserts `rows` with them, in one autocommitted statement: all of it
   * commits or none. The chain head is not locked but compared: the statement only applies if the
   * head is still the one the entries were chained to, else it is read again and the entries
   * rechained (a few times, then the locking path). One round trip instead of four, for the group
   * commit of reads and sign-ins.
   */
  commitEach(db: Db, entries: ContextualEvent[], rows?: InsertWith[]): Promise<AppendedEntry[]>;
  /** Runs `fn` and its audit entries in one transaction. */
  inTransaction<T>(db: Db, context: AuditContext, fn: (tx: Db, audit: (events: AuditEvent[]) => Promise<void>) => Promise<T>): Promise<T>;
}

export interface AuditWriterOptions {
  hmacKey: string;
  /** Called with the new head inside the same transaction, e.g. to sign a checkpoint. */
  onAppended?: (tx: Db, head: AppendedEntry, previousSeq: number) => Promise<void>;
  /** Optimistic tries of `commitEach` before it takes the chain head's lock (default 3). */
  optimisticAttempts?: number;
}

function digestChanges(hmacKey: string, personal: Record<string, FieldChange>): Record<string, FieldChange> {
  const out: Record<string, FieldChange> = {};
  for (const [field, change] of Object.entries(personal)) {
    const digested: FieldChange = {};
    if ('before' in change) digested.before = personalDigest(hmacKey, change.before);
    if ('after' in change) digested.after = personalDigest(hmacKey, change.after);
    out[field] = digested;
  }
  return out;
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
    outcome: entry.outcome,
    request_id: entry.requestId,
    canonical,
    prev_hash: prevHash,
    hash,
  };
}

const missingHead = () => new Error('audit chain head is missing: migrations not applied');

async function readHead(db: Db): Promise<AppendedEntry> {
  const [head] = await db.select({ seq: auditHead.seq, hash: auditHead.hash }).from(auditHead).where(eq(auditHead.id, 1));
  if (!head) throw missingHead();
  return head;
}

const snakeCase = new CasingCache('snake_case');

/**
 * `insert into <table> (...) select ... from <rows as JSON>`, applied only if the head CTE updated
 * the head: one per table and column set, so the statement's text (and its prepared plan) does not
 * depend on how many rows a batch carries.
 */
function insertsGuarded(rows: InsertWith[]): SQL[] {
  const groups = new Map<string, { table: PgTable; names: string[]; records: Record<string, unknown>[] }>();
  for (const row of rows) {
    const columns = getTableColumns(row.table);
    const names: string[] = [];
    const record: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(row.values)) {
      const column = columns[key];
      if (!column) throw new Error(`${getTableName(row.table)} has no column ${key}`);
      if (is(value, SQL)) throw new Error(`${getTableName(row.table)}.${key}: rows committed with audit entries take plain values, not SQL`);
      const name = snakeCase.getColumnCasing(column);
      names.push(name);
      record[name] = value instanceof Date ? value.toISOString() : value;
    }
    const key = `${getTableName(row.table)}(${names.join(',')})`;
    const group = groups.get(key) ?? { table: row.table, names, records: [] };
    group.records.push(record);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ table, names, records }, i) => {
    const list = sql.join(
      names.map((name) => sql.identifier(name)),
      sql`, `,
    );
    return sql`, inserted_${sql.raw(String(i))} as (
      insert into ${table} (${list})
      select ${list} from json_populate_recordset(null::${table}, ${JSON.stringify(records)}::json)
      where exists (select 1 from head))`;
  });
}

export function createAuditWriter(options: AuditWriterOptions): AuditWriter {
  /**
   * The head after this process's last append: `commitEach` chains to it without reading it first.
   * Only a hint: the statement checks it, and a stale one costs a re-read.
   */
  let knownHead: AppendedEntry | undefined;
  const optimisticAttempts = options.optimisticAttempts ?? 3;

  /** Chains entries after `head`: their audit_log rows, and the new head. */
  function chain(head: AppendedEntry, entries: ContextualEvent[]): { rows: Record<string, string | number | null>[]; appended: AppendedEntry[]; last: AppendedEntry } {
    let seq = head.seq;
    let prevHash = head.hash;
    const at = new Date().toISOString();
    const rows: Record<string, string | number | null>[] = [];
    const appended: AppendedEntry[] = [];
    for (const { context, event } of entries) {
      seq += 1;
      const entry: CanonicalEntry = {
        seq,
        at,
        actor: context.actor ? { id: context.actor.id, role: context.actor.role } : null,
        action: event.action,
        entityType: event.entityType,
        entityId: event.entityId ?? null,
        outcome: event.outcome ?? 'success',
        requestId: context.requestId,
        clientAddress: context.clientAddress,
        changes: jsonSafe({ ...event.changes, ...digestChanges(options.hmacKey, event.personal ?? {}) }),
        details: jsonSafe(event.details ?? {}),
      };
      const canonical = canonicalJson(entry);
      const hash = chainHash(seq, prevHash, canonical);
      rows.push(auditLogRow(entry, canonical, prevHash, hash));
      appended.push({ seq, hash });
      prevHash = hash;
    }
    return { rows, appended, last: { seq, hash: prevHash } };
  }

  const writer: AuditWriter = {
    append(tx, context, events) {
      return writer.appendEach(
        tx,
        events.map((event) => ({ context, event })),
      );
    },

    async appendEach(tx, entries) {
      if (entries.length === 0) return [];
      const [head] = await tx.select().from(auditHead).where(eq(auditHead.id, 1)).for('update');
      if (!head) throw missingHead();
      const chained = chain(head, entries);
      // Entries and head in one statement: one round trip less while the chain head is held.
      await tx.execute(sql`
        with appended as (insert into ${auditLog} select * from json_populate_recordset(null::audit_log, ${JSON.stringify(chained.rows)}::json))
        update ${auditHead} set seq = ${chained.last.seq}, hash = ${chained.last.hash}, updated_at = now() where id = 1`);
      knownHead = chained.last;
      await options.onAppended?.(tx, chained.last, head.seq);
      return chained.appended;
    },

    async commitEach(db, entries, rows = []) {
      if (entries.length === 0) {
        if (rows.length > 0) throw new Error('commitEach: rows commit with audit entries, and there are none');
        return [];
      }
      const inserts = insertsGuarded(rows);
      for (let attempt = 0; attempt < optimisticAttempts; attempt += 1) {
        const head = knownHead ?? (await readHead(db));
        const chained = chain(head, entries);
        const [applied] = await queryPrepared<{ applied: number }>(
          db,
          sql`with head as (
                update ${auditHead} set seq = ${chained.last.seq}, hash = ${chained.last.hash}, updated_at = now()
                where id = 1 and seq = ${head.seq} and hash = ${head.hash}
                returning seq),
              appended as (
                insert into ${auditLog}
                select * from json_populate_recordset(null::audit_log, ${JSON.stringify(chained.rows)}::json)
                where exists (select 1 from head))
              ${sql.join(inserts, sql``)}
              select count(*)::int as applied from head`,
        );
        if (applied?.applied === 1) {
          knownHead = chained.last;
          // After the commit: a checkpoint signs a head that is already durable.
          await options.onAppended?.(db, chained.last, head.seq);
          return chained.appended;
        }
        knownHead = undefined;
      }
      // Contended (other writers keep moving the head): wait for the lock like everyone else.
      return db.transaction(async (tx) => {
        for (const row of rows) await tx.insert(row.table).values(row.values);
        return writer.appendEach(tx, entries);
      });
    },

    inTransaction(db, context, fn) {
      return db.transaction(async (tx) => {
        const pending: AuditEvent[] = [];
        const result = await fn(tx, async (events) => {
          pending.push(...events);
        });
        // Appended last, so the chain head is held only for the end of the transaction.
        await writer.append(tx, context, pending);
        return result;
      });
    },
  };
  return writer;
}
