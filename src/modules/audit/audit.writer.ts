import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
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

export interface AuditWriter {
  /**
   * Appends entries inside the caller's transaction: the change and its entries commit or roll
   * back together. Takes the chain head FOR UPDATE, so appends are serialized until commit.
   */
  append(tx: Db, context: AuditContext, events: AuditEvent[]): Promise<AppendedEntry[]>;
  /** Like `append`, each entry with its own context (one chain lock for all of them). */
  appendEach(tx: Db, entries: ContextualEvent[]): Promise<AppendedEntry[]>;
  /** Runs `fn` and its audit entries in one transaction. */
  inTransaction<T>(db: Db, context: AuditContext, fn: (tx: Db, audit: (events: AuditEvent[]) => Promise<void>) => Promise<T>): Promise<T>;
}

export interface AuditWriterOptions {
  hmacKey: string;
  /** Called with the new head inside the same transaction, e.g. to sign a checkpoint. */
  onAppended?: (tx: Db, head: AppendedEntry, previousSeq: number) => Promise<void>;
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

export function createAuditWriter(options: AuditWriterOptions): AuditWriter {
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
      if (!head) throw new Error('audit chain head is missing: migrations not applied');
      let seq = head.seq;
      let prevHash = head.hash;
      const at = new Date().toISOString();
      /** audit_log rows under their column names, for json_populate_recordset. */
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
      // Entries and head in one statement: one round trip less while the chain head is held.
      await tx.execute(sql`
        with appended as (insert into ${auditLog} select * from json_populate_recordset(null::audit_log, ${JSON.stringify(rows)}::json))
        update ${auditHead} set seq = ${seq}, hash = ${prevHash}, updated_at = now() where id = 1`);
      const last = appended.at(-1)!;
      await options.onAppended?.(tx, last, head.seq);
      return appended;
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
