import type { FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';

/**
 * helmet built once: its headers are the same on every response (@fastify/helmet rebuilds the
 * middleware, parsing the policy again, on every request).
 */
const middleware = helmet({
  // The API itself serves JSON only; the docs page needs its own script and style sources.
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      frameAncestors: ["'none'"],
      formAction: ["'self'"],
    },
  },
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  referrerPolicy: { policy: 'no-referrer' },
});

/** Sets the security headers on the raw response; `done` gets helmet's error, if any. */
export function securityHeaders(request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void = () => undefined): void {
  middleware(request.raw, reply.raw, (error?: unknown) => done(error instanceof Error ? error : undefined));
}

/**
 * The same headers as a plain record, for answers written straight to a socket (a request node could
 * not parse, or one past its time-out, never becomes a fastify request). helmet only sets and removes
 * headers, so running it once against a recorder gives exactly what it would set on a response.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = (() => {
  const recorded: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      recorded[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete recorded[name.toLowerCase()];
    },
  };
  middleware({ headers: {} } as never, recorder as never, () => undefined);
  return Object.freeze(recorded);
})();
