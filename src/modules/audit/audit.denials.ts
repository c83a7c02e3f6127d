import type { AuditContext } from './audit.writer.js';
import type { GroupCommit } from './audit.reads.js';

/** A refusal of a request without a valid identity (401): who is unknown, only where from. */
export interface AnonymousRefusal {
  clientAddress: string | null;
  route: string;
  reason: string;
}

export interface AnonymousRefusals {
  /** Counts a refusal; the chain gets one entry per client address and minute, with the count. */
  count(refusal: AnonymousRefusal): void;
  /** Writes every minute counted so far (at shutdown, or in tests). */
  flush(): Promise<void>;
  stop(): void;
}

interface Tally {
  clientAddress: string | null;
  minute: string;
  count: number;
  reasons: Record<string, number>;
  routes: Record<string, number>;
}

const MAX_ROUTES = 20;
/** Distinct addresses tallied per instance before the rest share one entry (a spoofed-address flood). */
const MAX_ADDRESSES = 10_000;

/**
 * Anonymous refusals cannot grow the permanent log without bound: each one goes to the application
 * log (by the caller), and the chain gets one aggregated entry per client address and minute
 * (per instance), written by the group commit when the minute is over. A flood of 401s from one
 * address adds one entry a minute; from many addresses, one per address and minute. Nothing waits
 * for these entries, so a refusal costs no commit.
 */
export function createAnonymousRefusals(options: { groupCommit: GroupCommit; onError: (error: unknown) => void; now?: () => number }): AnonymousRefusals {
  const now = options.now ?? Date.now;
  let tallies = new Map<string, Tally>();

  const minuteOf = (ms: number) => new Date(ms - (ms % 60_000)).toISOString();

  async function write(done: Tally[]): Promise<void> {
    await Promise.all(
      done.map((tally) => {
        const context: AuditContext = { actor: null, requestId: null, clientAddress: tally.clientAddress };
        return options.groupCommit
          .record(context, {
            action: 'access.denied_anonymous',
            entityType: 'client_address',
            outcome: 'denied',
            details: { minute: tally.minute, count: tally.count, reasons: tally.reasons, routes: tally.routes },
          })
          .catch(options.onError);
      }),
    );
  }

  /** Writes the minutes that are over (all of them with `all`). */
  function settle(all: boolean): Promise<void> {
    const current = minuteOf(now());
    const done: Tally[] = [];
    const kept = new Map<string, Tally>();
    for (const [key, tally] of tallies) {
      if (all || tally.minute !== current) done.push(tally);
      else kept.set(key, tally);
    }
    tallies = kept;
    return done.length > 0 ? write(done) : Promise.resolve();
  }

  const timer = setInterval(() => void settle(false), 10_000);
  timer.unref();

  return {
    count({ clientAddress, route, reason }) {
      const minute = minuteOf(now());
      let key = `${minute}|${clientAddress ?? ''}`;
      let address = clientAddress;
      if (!tallies.has(key) && tallies.size >= MAX_ADDRESSES) {
        key = `${minute}|*`;
        address = null;
      }
      let tally = tallies.get(key);
      if (!tally) {
        tally = { clientAddress: address, minute, count: 0, reasons: {}, routes: {} };
        tallies.set(key, tally);
      }
      tally.count += 1;
      tally.reasons[reason] = (tally.reasons[reason] ?? 0) + 1;
      // Bounded too: a scan of random paths must not make one entry huge.
      if (route in tally.routes || Object.keys(tally.routes).length < MAX_ROUTES) tally.routes[route] = (tally.routes[route] ?? 0) + 1;
    },
    flush: () => settle(true),
    stop: () => clearInterval(timer),
  };
}
