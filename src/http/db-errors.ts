/** Seconds a client is told to wait (Retry-After) when the database is saturated. */
export const BUSY_RETRY_AFTER_SECONDS = 2;

/** pg-pool's errors when no connection could be had in `connectionTimeoutMillis`. */
const POOL_MESSAGES = new Set(['timeout exceeded when trying to connect', 'Connection terminated due to connection timeout', 'Query read timeout']);

/**
 * PostgreSQL conditions that mean "overloaded, try again", not "this request is wrong":
 * 55P03 lock_not_available (lock_timeout), 53300 too_many_connections, 57P03 cannot_connect_now,
 * and 57014 when it is the statement timeout (a user's cancel is not).
 */
function busyCode(error: { code?: unknown; message?: unknown }): boolean {
  const code = typeof error.code === 'string' ? error.code : '';
  if (code === '55P03' || code === '53300' || code === '57P03') return true;
  return code === '57014' && typeof error.message === 'string' && error.message.includes('statement timeout');
}

/**
 * Whether an error — or one it wraps (drizzle wraps driver errors in `cause`) — says the database
 * is saturated: no pooled connection within the acquisition time-out, or a statement that waited out
 * its time. Such a request is answered 503 with Retry-After, not 500.
 */
export function isDatabaseBusy(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth += 1) {
    const candidate = current as { message?: unknown; code?: unknown; cause?: unknown };
    if (typeof candidate.message === 'string' && POOL_MESSAGES.has(candidate.message)) return true;
    if (busyCode(candidate)) return true;
    current = candidate.cause;
  }
  return false;
}

/**
 * Whether PostgreSQL refused text it cannot store (22021: a NUL or invalid UTF-8; 22P05): input the
 * request guard should have caught. A safety net, answered 400 rather than 500.
 */
export function isUnstorableText(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (code === '22021' || code === '22P05') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
