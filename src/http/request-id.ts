import type { IncomingMessage } from 'node:http';

/** What a client's own X-Request-Id may look like to be kept (never used as the server's id). */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The client's X-Request-Id, when it is a plausible one, for correlation with the client's own logs.
 * The server always generates its own request id (a client must not choose the id that names its
 * entries, nor make two requests share one); this one is only kept beside it, in the audit context
 * and the log.
 */
export function clientRequestId(request: Pick<IncomingMessage, 'headers'>): string | null {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : null;
}
