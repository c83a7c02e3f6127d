import { setTimeout as sleep } from 'node:timers/promises';
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

/** An entry that will probably be recorded soon (see `ReadRecorder.expect`). */
export interface ExpectedEntry {
  /** No entry will come after all (idempotent; `record` releases it too). */
  release(): void;
}

export interface RecordOptions {
  /** Committed in the same statement as the entry, or not at all. */
  rows?: InsertWith[];
  /** The expectation this entry fulfils (released as the entry is enqueued). */
  expected?: ExpectedEntry;
}

export interface ReadRecorder {
  /**
   * Resolves once the entry is committed in the chain; rejects if it could not be (the read must
   * then fail too).
   */
  record(context: AuditContext, event: ReadEvent, options?: RecordOptions): Promise<void>;
  /**
   * Announces an entry that will come after some slow work (a sign-in verifying its password):
   * while such entries are expected, a batch may wait for them (see `createReadRecorder`).
   */
  expect(): ExpectedEntry;
  /** Entries announced and neither recorded nor released yet. */
  expecting(): number;
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
 *
 * While other entries are expected (`expect`, e.g. sign-ins still verifying their password), a
 * batch starts no sooner than `spacingMs` after the previous one, like PostgreSQL's commit_delay
 * with commit_siblings: entries that arrive a few milliseconds apart then share a commit instead of
 * each taking one. When none is expected, a batch starts at once, so a client reading one record
 * after another is never slowed down.
 */
export function createReadRecorder(options: { db: Db; writer: AuditWriter; maxBatch?: number; spacingMs?: number }): ReadRecorder {
  const maxBatch = options.maxBatch ?? 1_000;
  const spacingMs = options.spacingMs ?? 0;
  let queue: Pending[] = [];
  let running: Promise<void> | null = null;
  let lastBatchAt = Number.NEGATIVE_INFINITY;
  let expected = 0;

  const commit = (batch: Pending[]) =>
    options.writer.commitEach(
      options.db,
      batch.map((p) => p.entry),
      batch.flatMap((p) => p.rows),
    );

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const wait = lastBatchAt + spacingMs - performance.now();
      if (wait > 0 && expected > 0) await sleep(wait);
      lastBatchAt = performance.now();
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
    expect() {
      expected += 1;
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          expected -= 1;
        },
      };
    },
    expecting: () => expected,
    record(context, event, options = {}) {
      options.expected?.release();
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
          rows: options.rows ?? [],
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
