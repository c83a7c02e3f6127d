import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Actor } from '../access/actor.js';
import { roleHas } from '../access/permissions.js';
import { forbidden, invalidToken, mfaRequired, serverInternal, unauthenticated } from './http.errors.js';

export const JWT_ISSUER = 'reintegration-cases';
export const JWT_AUDIENCE = 'reintegration-cases/api';
export const JWT_ALGORITHM = 'HS256';

/** Claims of an access token. `typ` keeps any other token we might sign from passing as one. */
export interface AccessClaims {
  sub: string;
  typ: 'access';
  /** Second factor verified at sign-in, or not required. */
  mfa: boolean;
  /**
   * The refresh-token family (sign-in session) this token belongs to. The token dies with its
   * family: logout and refresh-token reuse end it at once, not at expiry.
   */
  sid: string;
}

/** A registered route and the permission it declares (undefined = none: refused by the tests). */
export interface RouteEntry {
  method: string;
  url: string;
  permission: string | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyInstance {
    /** Every route registered after the auth plugin, for the permission and role-matrix tests. */
    routeCatalogue: RouteEntry[];
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AccessClaims;
    user: AccessClaims & { iat: number; exp: number; aud: string; iss: string };
  }
}

/**
 * Loads the caller a verified access token names: null when the account is gone or disabled, or the
 * token's session (refresh-token family) has ended. Injected by the composition root (the auth
 * module owns the tables), so the shell imports no module.
 */
export type ActorLoader = (claims: AccessClaims) => Promise<Actor | null>;

export interface AuthOptions {
  loadActor: ActorLoader;
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  /** Which permissions a staff member without a verified second factor keeps (enrolment only). */
  mfaRequiredForStaff: boolean;
  /** Called for every 401/403 so it lands in the audit log. */
  onDenied?: (request: FastifyRequest, status: 401 | 403, reason: string) => Promise<void>;
}

/**
 * Verifies the bearer token (one algorithm, exp/iat/sub/aud/iss required, no verified-token cache so
 * revocation is immediate), loads the user, and checks the route's declared permission.
 * Every token error is a 401; a route without a declared permission is a programming error (500).
 */
export const authPlugin = fp<AuthOptions>(async (app: FastifyInstance, options) => {
  await app.register(fastifyJwt, {
    secret: options.jwtSecret,
    sign: { algorithm: JWT_ALGORITHM, iss: JWT_ISSUER, aud: JWT_AUDIENCE, expiresIn: options.accessTokenTtlSeconds },
    verify: {
      algorithms: [JWT_ALGORITHM],
      allowedIss: JWT_ISSUER,
      allowedAud: JWT_AUDIENCE,
      requiredClaims: ['exp', 'iat', 'sub', 'aud', 'iss', 'typ', 'sid'],
      cache: false,
    },
  });
  app.decorateRequest('actor', null);
  const catalogue: RouteEntry[] = [];
  app.decorate('routeCatalogue', catalogue);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) catalogue.push({ method, url: route.url, permission: route.config?.permission });
  });

  app.addHook('onRequest', async (request) => {
    const permission = request.routeOptions.config.permission;
    if (request.is404) return;
    if (permission === undefined) {
      throw serverInternal();
    }
    const header = request.headers.authorization;
    if (permission === 'public' && !header) return;

    const actor = await authenticate(request, options);
    if (!actor) {
      if (permission === 'public') return;
      await options.onDenied?.(request, 401, header ? 'invalid_token' : 'no_token');
      throw header ? invalidToken() : unauthenticated();
    }
    request.actor = actor;
    if (permission === 'public') return;
    const staffWithoutMfa = options.mfaRequiredForStaff && actor.role !== 'applicant' && !actor.mfa;
    if (staffWithoutMfa && permission !== 'session:self') {
      await options.onDenied?.(request, 403, 'mfa_required');
      throw mfaRequired();
    }
    if (!roleHas(actor.role, permission)) {
      await options.onDenied?.(request, 403, `missing_permission:${permission}`);
      throw forbidden();
    }
  });
});

async function authenticate(request: FastifyRequest, options: AuthOptions): Promise<Actor | null> {
  const header = request.headers.authorization;
  if (!header || !/^Bearer [A-Za-z0-9._~+/=-]+$/.test(header)) return null;
  let claims: AccessClaims;
  try {
    claims = await request.jwtVerify<AccessClaims>();
  } catch {
    return null;
  }
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (claims.typ !== 'access' || typeof claims.sub !== 'string' || !uuid.test(claims.sub)) return null;
  if (typeof claims.sid !== 'string' || !uuid.test(claims.sid)) return null;
  // Issued in the future (beyond 30 s of clock skew), or living longer than this service ever issues: not ours.
  const { iat, exp } = claims as AccessClaims & { iat: number; exp: number };
  if (typeof iat !== 'number' || typeof exp !== 'number' || iat > Date.now() / 1_000 + 30 || exp - iat > options.accessTokenTtlSeconds) return null;
  return options.loadActor(claims);
}
