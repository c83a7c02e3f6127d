import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { AppError } from './errors.js';
import { headersTooLarge, requestInvalid, requestTimeout } from './http.errors.js';
import { localizedTitle } from './i18n.js';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import { SECURITY_HEADERS } from './security-headers.js';

/**
 * fastify's `clientErrorHandler`: what node could not make a request of (a malformed request line or
 * header, headers too large, a request past `requestTimeout`) is answered on the socket itself — as
 * problem+json with the security headers like every other error (English: no request, no
 * Accept-Language), then the connection is closed. Nothing of the request is echoed.
 */
export function clientErrorHandler(this: { log: { debug(details: object, message: string): void } }, error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  let problem: AppError;
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') problem = requestTimeout();
  else if (error.code === 'HPE_HEADER_OVERFLOW') problem = headersTooLarge();
  else problem = requestInvalid();
  const id = randomUUID();
  this.log.debug({ code: error.code, status: problem.status, reqId: id }, 'client error before a request could be made');
  if (socket.writable) {
    const body = JSON.stringify({
      type: `urn:problem:${problem.code}`,
      title: localizedTitle(problem.status, 'en'),
      status: problem.status,
      detail: problem.messageIn('en'),
      instance: `urn:uuid:${id}`,
      code: problem.code,
      requestId: id,
    });
    const headers: Record<string, string> = {
      ...SECURITY_HEADERS,
      'content-type': PROBLEM_CONTENT_TYPE,
      'content-language': 'en',
      'content-length': String(Buffer.byteLength(body)),
      'cache-control': 'no-store',
      'x-request-id': id,
      connection: 'close',
    };
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
    socket.write(`HTTP/1.1 ${problem.status} ${localizedTitle(problem.status, 'en')}\r\n${lines.join('\r\n')}\r\n\r\n${body}`);
  }
  socket.destroy(error);
}
