import { sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { loginThrottle } from './auth.table.js';

/**
 * Failed sign-ins, counted in the database so every instance shares them. Keys are
 * `account:<lower-case email>` (unknown emails are counted exactly like real ones, so a lockout
 * reveals nothing) and `address:<client ip>` (the client address fastify derives: X-Forwarded-For is
 * only believed when TRUST_PROXY says so).
 */
export interface ThrottleSettings {
  maxFailures: number;
  windowSeconds: number;
  lockoutSeconds: number;
  addressMaxFailures: number;
}

export const accountKey = (login: string) => `account:${login.trim().toLowerCase()}`;
export const addressKey = (ip: string) => `address:${ip}`;

/**
 * The throttle state of `keys` as columns of another select (sign-in reads it with the account, in
 * one round trip): seconds until the longest lock among them ends (0 when none is locked), and the
 * keys with failures on record (a successful sign-in clears the account's, and only writes when
 * there is one).
 */
export function throttleColumns(keys: (string | Placeholder)[]): { lockedForSeconds: SQL<number>; withFailures: SQL<string[]> } {
  const ofKeys = sql`${loginThrottle.key} in (${sql.join(
    keys.map((key) => sql`${key}`),
    sql`, `,
  )})`;
  return {
    lockedForSeconds: sql`(select coalesce(max(greatest(0, extract(epoch from (${loginThrottle.lockedUntil} - now())))), 0)::float8 from ${loginThrottle} where ${ofKeys})`.mapWith(Number),
    withFailures: sql<string[]>`(select coalesce(array_agg(${loginThrottle.key}), '{}') from ${loginThrottle} where ${ofKeys})`,
  };
}

export interface FailureCount {
  failures: number;
  /** This failure is the one that reached the limit: the key is now locked. */
  lockedNow: boolean;
}

/**
 * Counts one failure against `key` atomically (concurrent failures are all counted). The window
 * restarts when it has passed or when a previous lock has ended.
 */
export async function recordFailure(db: Db, key: string, maxFailures: number, settings: ThrottleSettings): Promise<FailureCount> {
  const window = sql`make_interval(secs => ${settings.windowSeconds}::int)`;
  const lockout = sql`make_interval(secs => ${settings.lockoutSeconds}::int)`;
  const stale = sql`(login_throttle.window_started_at <= now() - ${window} or (login_throttle.locked_until is not null and login_throttle.locked_until <= now()))`;
  const next = sql`(case when ${stale} then 1 else login_throttle.failures + 1 end)`;
  const [row] = await queryRows<{ failures: number }>(
    db,
    sql`insert into login_throttle as login_throttle (key, failures, window_started_at, locked_until)
        values (${key}, 1, now(), case when 1 >= ${maxFailures}::int then now() + ${lockout} end)
        on conflict (key) do update set
          failures = ${next},
          window_started_at = case when ${stale} then now() else login_throttle.window_started_at end,
          locked_until = case
            when ${next} >= ${maxFailures}::int then now() + ${lockout}
            when ${stale} then null
            else login_throttle.locked_until end
        returning failures`,
  );
  const failures = Number(row?.failures ?? 0);
  return { failures, lockedNow: failures === maxFailures };
}

/** A successful sign-in clears the account's count (never the address's: one good account must not reset it). */
export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.delete(loginThrottle).where(sql`${loginThrottle.key} = ${key}`);
}

/**
 * Removes rows that no longer count: no lock in force, and a window that has passed (or a lock that
 * has ended, which restarts the count anyway). The app runs it periodically; without it every
 * address and email ever tried would stay in the table.
 */
export async function pruneThrottle(db: Db, settings: Pick<ThrottleSettings, 'windowSeconds'>): Promise<number> {
  const rows = await db
    .delete(loginThrottle)
    .where(
      sql`coalesce(${loginThrottle.lockedUntil} <= now(), true)
          and (${loginThrottle.windowStartedAt} <= now() - make_interval(secs => ${settings.windowSeconds}::int) or ${loginThrottle.lockedUntil} is not null)`,
    )
    .returning({ key: loginThrottle.key });
  return rows.length;
}
