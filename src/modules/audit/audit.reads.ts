import type { Db } from '../../db/client.js';
import type { AuditContext, AuditEvent, AuditWriter, ContextualEvent, InsertWith } from './audit.writer.js';

/** A read of a person's record (case, documents, export). Reads carry no changes. */
export interface ReadEvent {
  /** Defaults to `read`. */
  action?: string;
  entityType: string;
  entityId?: string | null;
  outcome?: AuditEvent['outcome'];
  /** Non-personal context: which part was read, filters of an export, ids of related records. */
  details?: Record<string, unknown>;
}

export interface ReadRecorder {
  /**
   * Resolves once the entry is committed in the chain; rejects if it could not be (the read must
   * then fail too). `rows` commit in the same statement as the entry, or not at all.
   */
  record(context: AuditContext, event: ReadEvent, rows?: InsertWith[]): Promise<void>;
  /** Waits for every entry already enqueued to be committed (or failed). */
  flush(): Promise<void>;
}

interface Pending {
  entry: ContextualEvent;
  rows: InsertWith[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for read entries: a read enqueues its entry and waits for the batch carrying it.
 * One batch is written at a time, in one statement (`AuditWriter.commitEach`); while it is being
 * written, the next batch accumulates. So no read goes unrecorded, and a read costs a share of one
 * commit instead of a serialized commit of its own. A batch that fails is retried entry by entry,
 * so one bad entry or row fails alone.
 */
export function createReadRecorder(options: { db: Db; writer: AuditWriter; maxBatch?: number }): ReadRecorder {
  const maxBatch = options.maxBatch ?? 1_000;
  let queue: Pending[] = [];
  let running: Promise<void> | null = null;

  const commit = (batch: Pending[]) =>
    options.writer.commitEach(
      options.db,
      batch.map((p) => p.entry),
      batch.flatMap((p) => p.rows),
    );

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
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
    record(context, event, rows = []) {
      return new Promise<void>((resolve, reject) => {
        // An entry that cannot be serialized fails alone, before it can spoil the batch it would join.
        try {
          JSON.stringify(event.details ?? {});
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        queue.push({
          entry: {
            context,
            event: {
              action: event.action ?? 'read',
              entityType: event.entityType,
              entityId: event.entityId ?? null,
              outcome: event.outcome ?? 'success',
              details: event.details ?? {},
            },
          },
          rows,
          resolve,
          reject,
        });
        start();
      });
    },
    async flush() {
      while (running) await running;
    },
  };
}
