import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { statement } from '../../db/statement.js';
import { accountLocked } from './auth.errors.js';
import { loginThrottle } from './auth.table.js';

/**
 * The sign-in lockout policy, counted in the database so every instance shares it:
 * - per (account, address): `pairMaxFailures` failures within the window lock that pair for `lockoutSeconds`;
 * - per address: `addressMaxFailures` failures within the window, across accounts, lock the address;
 * - per account, across addresses: after `accountMaxFailures` failures within the window, an account
 *   with a second factor is evaluated only when the request carries a code, and any other attempt
 *   waits a back-off that doubles with each further failure (1 s up to `backoffMaxSeconds`).
 * So nobody can lock an account out for its owner from another address, while a distributed guesser
 * gets one guess per back-off at most.
 *
 * Every attempt first claims a slot on its three keys, atomically, before anything is verified; a
 * claim beyond a limit is refused and given back. However many guesses arrive together, no more
 * than the limit are ever evaluated. A success gives its claim back; a failure keeps it (it is the
 * failure). The counters are written on their own, never in an audited transaction, so a slow
 * audit log cannot roll a failure back.
 */
export interface ThrottleSettings {
  /** Failures per (account, address) pair (LOGIN_MAX_FAILURES). */
  maxFailures: number;
  windowSeconds: number;
  lockoutSeconds: number;
  addressMaxFailures: number;
  accountMaxFailures: number;
  backoffMaxSeconds: number;
}

/** The keys one attempt counts against. `account` is an email or `ref:<case reference>`, lower-case. */
export interface ThrottleKeys {
  pair: string;
  address: string;
  account: string;
}

export function throttleKeys(account: string, clientAddress: string): ThrottleKeys {
  const login = account.trim().toLowerCase();
  return { pair: `pair:${login}|${clientAddress}`, address: `address:${clientAddress}`, account: `account:${login}` };
}

export type Claim =
  | { granted: true; accountPastLimit: false }
  /** Past the account's limit: evaluated only with a second-factor code, else refused for `retryAfterSeconds`. */
  | { granted: true; accountPastLimit: true; retryAfterSeconds: number }
  | { granted: false; retryAfterSeconds: number; scope: 'pair' | 'address' | 'account' };

interface ClaimRow {
  key: string;
  failures: number;
  locked_for: number;
  window_left: number;
  backoff_set: boolean;
}

/**
 * Claims one attempt on the three keys, in one statement that counts it on each, in key order (the
 * order every throttle statement locks them in): a key seen for the first time (or pruned as stale)
 * is written with this attempt counted. A key whose window has passed, or whose lock has ended,
 * starts again. For the account key past its limit, the claim that finds no back-off running starts
 * the next one itself, so of many concurrent attempts exactly one gets through per back-off.
 */
export async function claimAttempt(db: Db, keys: ThrottleKeys, settings: ThrottleSettings): Promise<Claim> {
  const rows = await countKeys.rows(db, {
    ...keys,
    windowSeconds: settings.windowSeconds,
    accountMaxFailures: settings.accountMaxFailures,
    backoffMaxSeconds: settings.backoffMaxSeconds,
  });
  return decide(db, keys, settings, rows);
}

/**
 * Counts one attempt on the keys `pair`, `address` and `account` (a prepared statement: every sign-in
 * and registration runs it). The keys are three parameters, not an array, so the plan made once
 * serves every call: with an array the planner would plan each call anew, to learn its length.
 */
const countKeys = (() => {
  const window = sql`make_interval(secs => ${sql.placeholder('windowSeconds')}::int)`;
  const account = sql`${sql.placeholder('account')}::text`;
  const accountMax = sql`${sql.placeholder('accountMaxFailures')}::int`;
  const backoffMax = sql`${sql.placeholder('backoffMaxSeconds')}::int`;
  // A lock in force never restarts; otherwise a passed window restarts the count, and so does an
  // ended lock (except the account's back-off, whose count is what doubles it).
  const stale = sql`((t.locked_until is null or t.locked_until <= now())
    and (t.window_started_at <= now() - ${window} or (t.locked_until is not null and t.key <> ${account})))`;
  const backoff = sql`make_interval(secs => least(power(2, greatest(t.failures + 1 - ${accountMax} - 1, 0)), ${backoffMax})::float8)`;
  const startsBackoff = sql`(t.key = ${account} and not ${stale} and t.failures + 1 > ${accountMax} and (t.locked_until is null or t.locked_until <= now()))`;
  // A new key's first attempt cannot be past a limit (each is at least 1).
  return statement<ClaimRow>(
    'throttle_count_attempt',
    sql`insert into ${loginThrottle} as t (key, failures, window_started_at)
        select k.key, 1, now() from unnest(array[${sql.placeholder('pair')}::text, ${sql.placeholder('address')}::text, ${account}]) as k(key)
        order by k.key
        on conflict (key) do update set
          failures = case when ${stale} then 1 else t.failures + 1 end,
          window_started_at = case when ${stale} then now() else t.window_started_at end,
          locked_until = case when ${startsBackoff} then now() + ${backoff} when ${stale} then null else t.locked_until end
        returning t.key, t.failures,
          greatest(0, extract(epoch from (coalesce(t.locked_until, now()) - now())))::float8 as locked_for,
          greatest(0, extract(epoch from (t.window_started_at + ${window} - now())))::float8 as window_left,
          (t.key = ${account} and t.locked_until is not null and t.locked_until > now() and t.locked_until = now() + make_interval(secs => least(power(2, greatest(t.failures - ${accountMax} - 1, 0)), ${backoffMax})::float8)) as backoff_set`,
  );
})();

async function decide(db: Db, keys: ThrottleKeys, settings: ThrottleSettings, rows: ClaimRow[]): Promise<Claim> {
  const row = (key: string) => {
    const found = rows.find((r) => r.key === key);
    if (!found) throw new Error(`throttle row ${key} is missing`);
    return { failures: Number(found.failures), lockedFor: Number(found.locked_for), windowLeft: Number(found.window_left), backoffSet: found.backoff_set };
  };
  const pair = row(keys.pair);
  const address = row(keys.address);
  const account = row(keys.account);

  let refused: Claim | null = null;
  if (pair.lockedFor > 0 || pair.failures > settings.maxFailures) {
    refused = { granted: false, scope: 'pair', retryAfterSeconds: pair.lockedFor > 0 ? pair.lockedFor : settings.lockoutSeconds };
  } else if (address.lockedFor > 0 || address.failures > settings.addressMaxFailures) {
    refused = { granted: false, scope: 'address', retryAfterSeconds: address.lockedFor > 0 ? address.lockedFor : settings.lockoutSeconds };
  }
  if (refused) {
    await releaseAttempt(db, keys);
    return refused;
  }
  if (account.failures > settings.accountMaxFailures) {
    // This claim started the back-off (it may be evaluated), or one is running (it may not, without a code).
    return { granted: true, accountPastLimit: true, retryAfterSeconds: account.backoffSet ? 0 : Math.max(1, account.lockedFor) };
  }
  return { granted: true, accountPastLimit: false };
}

/**
 * Runs one guess of a code (activation, enrolment) under a claim on `keys`: past the limits it is
 * refused at once (429), without running; an error `isGuessFailure` recognises keeps the claim as
 * a failure, any other error gives it back; a success gives it back too.
 */
export async function guessUnderClaim<T>(
  db: Db,
  keys: ThrottleKeys,
  settings: ThrottleSettings,
  isGuessFailure: (error: unknown) => boolean,
  run: () => Promise<T>,
): Promise<T> {
  const claim = await claimAttempt(db, keys, settings);
  if (!claim.granted) throw accountLocked(claim.retryAfterSeconds);
  if (claim.accountPastLimit && claim.retryAfterSeconds > 0) {
    await releaseAttempt(db, keys);
    throw accountLocked(claim.retryAfterSeconds);
  }
  let result: T;
  try {
    result = await run();
  } catch (error) {
    if (isGuessFailure(error)) await recordFailure(db, keys, settings);
    else await releaseAttempt(db, keys);
    throw error;
  }
  await recordSuccess(db, keys);
  return result;
}

/** Gives a claim back: the attempt was refused before evaluation, or succeeded. */
export async function releaseAttempt(db: Db, keys: ThrottleKeys): Promise<void> {
  await giveBackKeys.rows(db, { ...keys });
}

/** The keys as three parameters, as for the claim, so its plan is made once. */
const giveBackKeys = statement<never>(
  'throttle_give_back',
  sql`update login_throttle t set failures = greatest(t.failures - 1, 0)
      from ${inKeyOrder(sql`array[${sql.placeholder('pair')}::text, ${sql.placeholder('address')}::text, ${sql.placeholder('account')}::text]`)}
      where t.key = ordered.key`,
);

/**
 * The rows of `keys`, locked in key order: statements that change several rows of one attempt lock
 * them in the same order, so concurrent attempts on overlapping keys never deadlock.
 */
function inKeyOrder(keys: string[] | SQL): SQL {
  const list = Array.isArray(keys) ? sql`array[${sql.join(
    keys.map((key) => sql`${key}`),
    sql`, `,
  )}]::text[]` : keys;
  return sql`(select key from login_throttle where key = any(${list}) order by key for update) as ordered`;
}

export interface FailureOutcome {
  /** This failure locked the pair or the address now (for the audit entry). */
  lockedNow: ('pair' | 'address')[];
  failures: { pair: number; address: number; account: number };
}

/** A claimed attempt failed: the claim stays counted; a pair or address at its limit is locked. */
export async function recordFailure(db: Db, keys: ThrottleKeys, settings: ThrottleSettings): Promise<FailureOutcome> {
  const lockout = sql`make_interval(secs => ${settings.lockoutSeconds}::int)`;
  const rows = await queryRows<{ key: string; failures: number; locked_now: boolean }>(
    db,
    sql`update login_throttle t set
          locked_until = case
            when t.locked_until is null and ((t.key = ${keys.pair} and t.failures >= ${settings.maxFailures}::int)
              or (t.key = ${keys.address} and t.failures >= ${settings.addressMaxFailures}::int)) then now() + ${lockout}
            else t.locked_until end
        from ${inKeyOrder([keys.pair, keys.address, keys.account])}
        where t.key = ordered.key
        returning t.key, t.failures, (t.locked_until = now() + ${lockout}) as locked_now`,
  );
  const of = (key: string) => rows.find((r) => r.key === key);
  const lockedNow: ('pair' | 'address')[] = [];
  if (of(keys.pair)?.locked_now) lockedNow.push('pair');
  if (of(keys.address)?.locked_now) lockedNow.push('address');
  return {
    lockedNow,
    failures: { pair: Number(of(keys.pair)?.failures ?? 0), address: Number(of(keys.address)?.failures ?? 0), account: Number(of(keys.account)?.failures ?? 0) },
  };
}

/**
 * A success: the pair's failures are forgotten (the row is kept, so a concurrent attempt on it
 * always finds it; pruning removes it later); the address and account counts give the claim back.
 */
export async function recordSuccess(db: Db, keys: ThrottleKeys): Promise<void> {
  await db.execute(sql`update login_throttle t set
      failures = case when t.key = ${keys.pair} then 0 else greatest(t.failures - 1, 0) end,
      locked_until = case when t.key = ${keys.pair} then null else t.locked_until end
    from ${inKeyOrder([keys.pair, keys.address, keys.account])}
    where t.key = ordered.key`);
}

/**
 * Removes rows that no longer count: no lock in force, and a window that has passed (or a lock that
 * has ended, which restarts the count anyway). Run by one instance per period (src/db/jobs.ts);
 * without it every address and email ever tried would stay in the table.
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
