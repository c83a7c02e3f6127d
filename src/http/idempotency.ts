import { and, eq, lte, or, sql } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import canonicalizeModule from 'canonicalize';
import { createHmac, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/client.js';
import { idempotencyInProgress, idempotencyKeyReused, invalidIdempotencyKey } from './http.errors.js';
import { idempotencyKeys } from '../db/idempotency.table.js';

const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

/** What a first run leaves for its replays: the status and ids (never tokens or the body). */
export interface StoredOutcome<O> {
  status: number;
  outcome: O;
}

export interface IdempotentCall<O, R> {
  db: Db;
  /** The Idempotency-Key header (idempotencyKeyOf); without one, `run` simply runs. */
  key: string | undefined;
  /** The route, e.g. `POST /register/:token`. */
  scope: string;
  /** The actor's id; null on public routes, where the key is scoped to the route alone. */
  caller: string | null;
  /** What makes two requests the same (body, params…). Only its keyed hash is stored. */
  request: unknown;
  /**
   * Does the work, once per key: returns what to store and the response. To store the outcome in
   * the same transaction as the work (so a crash cannot leave the work done and the key pending),
   * call `complete(tx, stored)` inside that transaction; otherwise it is stored right after.
   */
  run: (complete: (tx: Db, stored: StoredOutcome<O>) => Promise<void>) => Promise<StoredOutcome<O> & { response: R }>;
  /** The response to a repeat of a request that already ran, from what it stored (e.g. a fresh session for the stored case). */
  replay: (stored: StoredOutcome<O>) => Promise<R> | R;
}

export interface IdempotentResult<R> {
  status: number;
  response: R;
  /** True when this answer replays an earlier run. */
  replayed: boolean;
}

export interface IdempotencyStore {
  run<O, R>(call: IdempotentCall<O, R>): Promise<IdempotentResult<R>>;
}

export interface IdempotencyOptions {
  /** IDEMPOTENCY_HMAC_KEY. */
  hmacKey: string;
  /** How long a key is remembered (default 24 h); expired rows are removed lazily. */
  ttlMs?: number;
  /** How long a run holds its key; past it, a repeat takes over (the first one is presumed dead). Default 2 min. */
  leaseMs?: number;
  /** How long a repeat waits for the first run to finish before answering 409 idempotency.in_progress. Default 10 s. */
  waitMs?: number;
  /** Expired rows are pruned at most this often per instance, by the next call (default 10 min). */
  pruneEveryMs?: number;
}

/** The Idempotency-Key header: 1–255 visible ASCII characters, else 400; undefined when absent. */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(header)) throw invalidIdempotencyKey();
  return header;
}

/**
 * Runs a request once per Idempotency-Key. The key is claimed by inserting a `pending` row (one
 * autocommitted statement); a repeat with the same request gets the first run's stored outcome
 * through `replay`, one with another request a 422. A repeat that arrives while the first still runs
 * polls with backoff, holding no connection in between (a pool of one connection and the embedded
 * database must keep working), and gives up with 409 after `waitMs`. A run that throws releases its
 * key, so a retry runs again.
 */
export function createIdempotencyStore(options: IdempotencyOptions): IdempotencyStore {
  const ttlMs = options.ttlMs ?? 24 * 3_600_000;
  const leaseMs = options.leaseMs ?? 120_000;
  const waitMs = options.waitMs ?? 10_000;
  const pruneEveryMs = options.pruneEveryMs ?? 10 * 60_000;
  let prunedAt = Number.NEGATIVE_INFINITY;

  function requestHash(scope: string, caller: string, request: unknown): string {
    const text = canonicalize({ scope, caller, request }) ?? '';
    return createHmac('sha256', options.hmacKey).update(text).digest('hex');
  }

  async function pruneExpired(db: Db): Promise<void> {
    if (performance.now() - prunedAt < pruneEveryMs) return;
    prunedAt = performance.now();
    await db.execute(
      sql`delete from idempotency_keys where (scope, caller, key) in (select scope, caller, key from idempotency_keys where expires_at <= now() limit 1000)`,
    );
  }

  return {
    async run<O, R>(call: IdempotentCall<O, R>): Promise<IdempotentResult<R>> {
      const noop = async () => {};
      if (call.key === undefined) {
        const done = await call.run(noop);
        return { status: done.status, response: done.response, replayed: false };
      }
      const { db, scope, key } = call;
      const caller = call.caller ?? '';
      const hash = requestHash(scope, caller, call.request);
      const where = and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.caller, caller), eq(idempotencyKeys.key, key));
      await pruneExpired(db);

      const claim = async (): Promise<string | undefined> => {
        const owner = randomUUID();
        const [row] = await db
          .insert(idempotencyKeys)
          .values({
            scope,
            caller,
            key,
            requestHash: hash,
            state: 'pending',
            owner,
            lockedUntil: sql`now() + ${leaseMs} * interval '1 millisecond'`,
            expiresAt: sql`now() + ${ttlMs} * interval '1 millisecond'`,
          })
          .onConflictDoUpdate({
            target: [idempotencyKeys.scope, idempotencyKeys.caller, idempotencyKeys.key],
            set: {
              requestHash: hash,
              state: 'pending',
              owner,
              status: null,
              outcome: null,
              lockedUntil: sql`excluded.locked_until`,
              expiresAt: sql`excluded.expires_at`,
              createdAt: sql`now()`,
            },
            // An expired key is free again; a pending one whose run died is taken over by the same request.
            setWhere: or(
              lte(idempotencyKeys.expiresAt, sql`now()`),
              and(eq(idempotencyKeys.state, 'pending'), lte(idempotencyKeys.lockedUntil, sql`now()`), eq(idempotencyKeys.requestHash, hash)),
            ),
          })
          .returning({ owner: idempotencyKeys.owner });
        return row?.owner === owner ? owner : undefined;
      };

      const execute = async (owner: string): Promise<IdempotentResult<R>> => {
        const mine = and(where, eq(idempotencyKeys.owner, owner));
        const complete = async (tx: Db, stored: StoredOutcome<O>) => {
          await tx
            .update(idempotencyKeys)
            .set({ state: 'done', status: stored.status, outcome: stored.outcome, owner: null })
            .where(and(mine, eq(idempotencyKeys.state, 'pending')));
        };
        let done: StoredOutcome<O> & { response: R };
        try {
          done = await call.run(complete);
        } catch (error) {
          await db.delete(idempotencyKeys).where(and(mine, eq(idempotencyKeys.state, 'pending')));
          throw error;
        }
        await complete(db, { status: done.status, outcome: done.outcome });
        return { status: done.status, response: done.response, replayed: false };
      };

      const deadline = performance.now() + waitMs;
      let delay = 10;
      for (;;) {
        const owner = await claim();
        if (owner) return execute(owner);
        const [row] = await db
          .select({
            requestHash: idempotencyKeys.requestHash,
            state: idempotencyKeys.state,
            status: idempotencyKeys.status,
            outcome: idempotencyKeys.outcome,
            locked: sql<boolean>`${idempotencyKeys.lockedUntil} > now()`,
          })
          .from(idempotencyKeys)
          .where(where);
        // Gone (the first run failed) or its run presumed dead: claim it again.
        if (!row || (row.state === 'pending' && !row.locked && row.requestHash === hash)) continue;
        if (row.requestHash !== hash) throw idempotencyKeyReused();
        if (row.state === 'done') {
          const stored = { status: row.status ?? 200, outcome: row.outcome as O };
          return { status: stored.status, response: await call.replay(stored), replayed: true };
        }
        const left = deadline - performance.now();
        if (left <= 0) throw idempotencyInProgress();
        await sleep(Math.min(delay, left));
        delay = Math.min(delay * 2, 250);
      }
    },
  };
}
