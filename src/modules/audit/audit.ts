import type { Db } from '../../db/client.js';
import { createAnonymousRefusals, type AnonymousRefusal } from './audit.denials.js';
import { createGroupCommit, type ReadEvent } from './audit.reads.js';
import { createAuditWriter, type AppendedEntry, type AuditContext, type AuditTx, type AuditWriter, type ContextualEvent, type RecordFn } from './audit.writer.js';

/**
 * The audit trail as services use it — one facade:
 * - a change: `audit.inTransaction(db, context, async (tx, record) => { …; await record([event]) })`
 *   (or `audit.record(tx, event)`): the change and its entries commit together, and a transaction
 *   that records nothing fails;
 * - a read of a person's record, or a refusal: `await audit.read(context, event)`, group-committed;
 * - a refusal without a valid identity: `audit.refusedAnonymously(...)`, aggregated per address and minute.
 */
export interface AuditTrail {
  inTransaction<T>(db: Db, context: AuditContext, fn: (tx: AuditTx, record: RecordFn) => Promise<T>): Promise<T>;
  record: AuditWriter['record'];
  read(context: AuditContext, event: ReadEvent): Promise<void>;
  refusedAnonymously(refusal: AnonymousRefusal): void;
  /** Low level, for tools and tests: appends entries inside the caller's own transaction. */
  appendEach(tx: Db, entries: ContextualEvent[]): Promise<AppendedEntry[]>;
  append: AuditWriter['append'];
  /** Writes everything pending (aggregated refusals, queued reads): at shutdown. */
  flush(): Promise<void>;
}

export function createAuditTrail(options: {
  db: Db;
  hmacKey: string;
  onAppended?: (tx: Db, head: AppendedEntry, previousSeq: number) => Promise<void>;
  onError: (error: unknown) => void;
}): AuditTrail {
  const writer = createAuditWriter({ hmacKey: options.hmacKey, onAppended: options.onAppended });
  const groupCommit = createGroupCommit({ db: options.db, writer });
  const anonymous = createAnonymousRefusals({ groupCommit, onError: options.onError });
  return {
    inTransaction: (db, context, fn) => writer.inTransaction(db, context, fn),
    record: (tx, ...events) => writer.record(tx, ...events),
    read: (context, event) => groupCommit.record(context, event),
    refusedAnonymously: (refusal) => anonymous.count(refusal),
    appendEach: (tx, entries) => writer.appendEach(tx, entries),
    append: (tx, context, events) => writer.append(tx, context, events),
    async flush() {
      anonymous.stop();
      await anonymous.flush();
      await groupCommit.flush();
    },
  };
}
