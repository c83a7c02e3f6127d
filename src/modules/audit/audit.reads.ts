import type { Db } from '../../db/client.js';
import { checkEvent, type AuditAction, type AuditEvent } from './audit.events.js';
import type { AuditContext, AuditWriter, ContextualEvent } from './audit.writer.js';

/** A read of a person's record (case, documents, export), or a refusal: no change, just the fact. */
export interface ReadEvent extends Omit<AuditEvent, 'action' | 'changes' | 'personal'> {
  /** Defaults to `read`. */
  action?: AuditAction;
}

export interface GroupCommit {
  /**
   * Resolves once the entry is committed in the chain; rejects if it could not be (the read must
   * then fail too). The caller holds no connection while it waits.
   */
  record(context: AuditContext, event: ReadEvent): Promise<void>;
  /** Waits for every entry already enqueued to be committed (or failed). */
  flush(): Promise<void>;
}

interface Pending {
  entry: ContextualEvent;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for entries that change nothing else (reads, refusals): a request enqueues its entry
 * and waits for the batch carrying it. One batch at a time is written, as one ordinary transaction
 * that takes the chain head last (`AuditWriter.appendEach`), exactly like any audited change, so
 * the two can never lock in opposite orders; while it is being written the next batch accumulates.
 * No read goes unrecorded, the chain lock is taken once per batch, and nothing waits on a batch
 * while holding a connection (the batch takes its own, so a pool of one is enough). A batch that
 * fails is retried entry by entry, so one bad entry fails alone.
 */
export function createGroupCommit(options: { db: Db; writer: AuditWriter; maxBatch?: number }): GroupCommit {
  const maxBatch = options.maxBatch ?? 1_000;
  let queue: Pending[] = [];
  let running: Promise<void> | null = null;

  const commit = (batch: Pending[]) =>
    options.db.transaction((tx) =>
      options.writer.appendEach(
        tx,
        batch.map((p) => p.entry),
      ),
    );

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        await commit(batch);
        for (const p of batch) p.resolve();
      } catch (error) {
        if (batch.length === 1) {
          batch[0]!.reject(error);
          continue;
        }
        for (const p of batch) {
          try {
            await commit([p]);
            p.resolve();
          } catch (alone) {
            p.reject(alone);
          }
        }
      }
    }
  }

  function start(): void {
    if (running) return;
    running = drain().finally(() => {
      running = null;
      // An entry enqueued while the last batch was settling must not wait for the next read.
      if (queue.length > 0) start();
    });
  }

  return {
    record(context, event) {
      return new Promise<void>((resolve, reject) => {
        // An entry that cannot be serialized fails alone, before it can spoil the batch it would join.
        const full: AuditEvent = { ...event, action: event.action ?? 'read' };
        try {
          JSON.stringify(event.details ?? {});
          checkEvent(full);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        queue.push({ entry: { context, event: full }, resolve, reject });
        start();
      });
    },
    async flush() {
      while (running) await running;
    },
  };
}
