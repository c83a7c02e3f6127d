import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * How often node checks for requests past `requestTimeout` (node's default is 30 s, so a slow body was
 * cut only after requestTimeout + 30 s): a tenth of the time-out, between 100 ms and 30 s, so the
 * configured time holds within 10 %.
 */
export function connectionsCheckingInterval(requestTimeoutMs: number): number {
  return Math.min(30_000, Math.max(100, Math.floor(requestTimeoutMs / 10)));
}

/**
 * `Expect: 100-continue`: node answers `100 Continue` to every such request unless the server listens
 * for `checkContinue`. A declared Content-Length over the request's body limit gets no `100 Continue` —
 * the request goes on to fastify, which answers 413 (problem+json) without reading the body, and the
 * connection is closed after the answer since the body the client still holds was never read.
 * `bodyLimitFor` gives the limit of a request (the global one, or a route's own: the composition
 * root knows which routes take larger bodies; the shell imports no module).
 */
export function answerExpectContinue(server: Server, bodyLimitFor: (request: IncomingMessage) => number): void {
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > bodyLimitFor(request)) response.setHeader('connection', 'close');
    else response.writeContinue();
    server.emit('request', request, response);
  });
}

/**
 * fastify's `trustProxy` from the configured value. A hop count becomes "trust the nearest N hops"
 * (fastify ≥ 5.12 trusts nothing for a bare number, so every client behind the proxy would share the
 * proxy's address and lock each other out); it suits a service reachable only through its proxies —
 * otherwise list the proxies' addresses/CIDRs. Never `true` (refused by src/config.ts).
 */
export function trustProxyOption(value: false | number | string[]): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof value !== 'number') return value;
  return (_address, hop) => hop < value;
}
