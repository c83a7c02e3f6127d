import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { createAccess, type Access } from './access/access.js';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import './http/route-config.js';
import { authPlugin, type AccessClaims } from './http/auth.js';
import { createIdempotencyStore, type IdempotencyStore } from './http/idempotency.js';
import { registerJsonBodyParser } from './http/json-body.js';
import { clientErrorHandler } from './http/client-errors.js';
import { registerInputGuard } from './http/input-guard.js';
import { openApiTransforms } from './http/openapi.js';
import { frameworkErrorHandler, registerProblemHandlers } from './http/problem.js';
import { clientRequestId } from './http/request-id.js';
import { securityHeaders } from './http/security-headers.js';
import { serializerCompiler } from './http/serialization.js';
import { answerExpectContinue, connectionsCheckingInterval, trustProxyOption } from './http/server-options.js';
import { validatorCompiler } from './http/validation.js';
import { checkpointKey } from './modules/audit/audit.chain.js';
import { checkpointHook } from './modules/audit/audit.checkpoints.js';
import { applicantByReference } from './modules/applications/applications.accounts.js';
import { applicationsRoutes } from './modules/applications/applications.routes.js';
import { IMPORT_PATH } from './modules/applications/applications.import.routes.js';
import { noNotifications } from './modules/applications/applications.workflow.js';
import { auditRoutes } from './modules/audit/audit.routes.js';
import { createAuditTrail, type AuditTrail } from './modules/audit/audit.js';
import { serializeError } from './modules/audit/log-redaction.js';
import { auditContext } from './modules/audit/audit.context.js';
import type { AuditContext } from './modules/audit/audit.writer.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { committeesRoutes } from './modules/committees/committees.routes.js';
import { documentsRoutes, documentUploadBodyLimit } from './modules/documents/documents.routes.js';
import { leaveCommittees } from './modules/committees/committees.service.js';
import { actorLoader } from './modules/auth/actor-loader.js';
import { dropRecoveryCodes, revokeAllForUser } from './modules/auth/tokens.js';
import { healthRoutes } from './modules/health/health.routes.js';
import { usersRoutes } from './modules/users/users.routes.js';
import { referenceCacheFor, referenceRoutes } from './modules/reference/reference.routes.js';
import { registrationLinkRoutes } from './modules/registration/registration.routes.js';
import { createHashGate } from './modules/registration/registration.service.js';
import { newApplicantSession, openSession } from './modules/auth/auth.service.js';
import type { Secrets } from './secrets.js';

export interface AppDeps {
  config: Config;
  database: Database;
  secrets: Secrets;
  /** Where logs go; tests pass a stream to inspect them. */
  logStream?: NodeJS.WritableStream;
}

export type App = FastifyInstance;

export function loggerOptions(config: Config, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    ...(stream ? { stream } : {}),
    // Never log bodies, headers or raw URLs: they carry passwords, tokens and personal data.
    serializers: {
      req: (req) => ({
        method: req.method,
        route: req.routeOptions?.url ?? 'unmatched',
        remoteAddress: req.ip,
        clientRequestId: clientRequestId(req) ?? undefined,
      }),
      res: (res) => ({ statusCode: res.statusCode }),
      err: serializeError,
    },
    redact: { paths: ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization'], censor: '[redacted]' },
  };
}

/** Builds the application without listening: the server and the tests share it. */
export async function buildApp(deps: AppDeps): Promise<App> {
  const { config, database, secrets } = deps;
  const app = Fastify({
    logger: loggerOptions(config, deps.logStream),
    bodyLimit: config.bodyLimitBytes,
    // A hop count or the proxies' addresses, never `true` (src/config.ts).
    trustProxy: trustProxyOption(config.trustProxy),
    // fastify leaves these off by default; a slow or stuck client must not hold a socket forever.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.requestTimeoutMs + 5_000,
    http: {
      connectionsCheckingInterval: connectionsCheckingInterval(config.requestTimeoutMs),
      headersTimeout: Math.min(60_000, config.requestTimeoutMs),
    },
    // A URL that cannot be decoded never reaches a route or the hooks: problem+json with the security headers.
    frameworkErrors: frameworkErrorHandler((request, reply) => securityHeaders(request, reply)),
    // …and what node cannot even make a request of (bad request line, a request past its time-out).
    clientErrorHandler,
    keepAliveTimeout: 5_000,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Always the server's own id; a client's X-Request-Id is kept beside it (src/http/request-id.ts).
    genReqId: () => randomUUID(),
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemHandlers(app, { bodyLimitBytes: config.bodyLimitBytes });
  registerJsonBodyParser(app);
  registerInputGuard(app);
  // The document upload and the batch import take larger bodies than the global limit (their own, checked by their routes).
  answerExpectContinue(
    app.server,
    (request) =>
      documentUploadBodyLimit(request.method, request.url) ??
      (request.method === 'POST' && request.url?.split('?')[0] === IMPORT_PATH ? config.importBodyLimitBytes : config.bodyLimitBytes),
  );

  // External plugins first.
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Officer reintegration case management API',
        description:
          'Registration, screening, interviews, matching and approval of returning officers, with a tamper-evident audit trail. ' +
          'Errors are RFC 9457 problem+json; send Accept-Language: ar for Arabic messages.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    // operationIds, security, problem responses and servers: src/http/openapi.ts. Without
    // PUBLIC_BASE_URL the server is '/', relative to wherever the document was fetched from.
    ...openApiTransforms({ serverUrl: config.publicBaseUrl ?? '/' }),
  });
  // The docs page and its assets are public; every other route declares its own permission.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...route.config, permission: 'public' };
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // Without TLS (a LAN address) upgrade-insecure-requests would send the page's own assets to https: a blank page.
    // swagger-ui sets a few inline styles at run time; scripts stay 'self' only.
    transformStaticCSP: (header) =>
      header.replace(/\s*upgrade-insecure-requests;?/, '').replace(/style-src [^;]*/, "style-src 'self' 'unsafe-inline'"),
    uiConfig: { docExpansion: 'list', deepLinking: true },
  });
  // Security headers (src/http/security-headers.ts): helmet built once, the same on every response.
  app.addHook('onRequest', (request, reply, done) => {
    securityHeaders(request, reply, done);
  });

  // App plugins.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // Responses finished during shutdown close their connection: close() must not wait out keep-alive.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (request, reply) => {
    if (closing) reply.header('connection', 'close');
    if (reply.hasHeader('cache-control')) return;
    const publicReference = request.routeOptions.config?.cache === 'public-reference';
    reply.header('cache-control', publicReference ? 'public, max-age=300' : 'no-store');
  });

  const signingKey = checkpointKey(secrets.auditSigningKey);
  const audit = createAuditTrail({
    db: database.db,
    hmacKey: secrets.auditHmacKey,
    onAppended: checkpointHook({ key: signingKey, every: config.audit.checkpointEvery, minutes: config.audit.checkpointMinutes }),
    onError: (err: unknown) => app.log.error({ err }, 'an aggregated audit entry could not be written'),
  });
  app.decorate('audit', audit);
  // preClose: onClose hooks run last-registered first, after the server's own database close.
  app.addHook('preClose', () => audit.flush());
  app.decorate('database', database);
  app.decorate('idempotency', createIdempotencyStore({ hmacKey: secrets.idempotencyHmacKey }));
  // Object-level access (src/access/access.ts). A refusal is recorded here, once per refused record,
  // group-committed like reads: the case's id and ministry, never whether it exists.
  const access = createAccess<AuditContext>({
    db: database.db,
    onRefused: async ({ permission, context, records }) => {
      await Promise.all(
        records.map((refused) =>
          audit.read(context, {
            action: 'access.refused',
            entityType: refused.entityType,
            entityId: refused.id,
            caseId: refused.entityType === 'application' && refused.ministry !== null ? refused.id : null,
            ministry: refused.ministry,
            outcome: 'denied',
            details: { permission },
          }),
        ),
      );
    },
  });
  app.decorate('access', access);
  await app.register(authPlugin, {
    loadActor: actorLoader(database.db),
    jwtSecret: secrets.jwtSecret,
    accessTokenTtlSeconds: config.auth.accessTokenTtlSeconds,
    mfaRequiredForStaff: config.auth.staffMfa === 'required',
    // Every refusal is audited: route pattern, method, status and reason; never the token. A signed-in
    // caller's refusal gets its own entry (group-committed); one without a valid identity goes to the
    // log, and the chain gets one entry per address and minute, so a flood cannot grow it without bound.
    onDenied: async (request, status, reason) => {
      const route = request.routeOptions.url ?? 'unmatched';
      if (!request.actor) {
        request.log.info({ route, method: request.method, status, reason }, 'anonymous request refused');
        audit.refusedAnonymously({ clientAddress: request.ip ?? null, route, reason });
        return;
      }
      const details = { route, method: request.method, status, reason };
      await audit.read(auditContext(request), { action: 'access.denied', entityType: 'route', outcome: 'denied', details });
    },
  });

  // Routes.
  await app.register(healthRoutes, { database });
  const reference = referenceCacheFor(app, database.db);
  await app.register(referenceRoutes, { cache: reference });
  await app.register(authRoutes, {
    applicantByReference,
    mfaKey: secrets.mfaKey,
    accessTokenTtlSeconds: config.auth.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: config.auth.refreshTokenTtlSeconds,
    throttle: {
      maxFailures: config.auth.loginMaxFailures,
      windowSeconds: config.auth.loginWindowSeconds,
      lockoutSeconds: config.auth.loginLockoutSeconds,
      addressMaxFailures: config.auth.loginAddressMaxFailures,
      accountMaxFailures: config.auth.loginAccountMaxFailures,
      backoffMaxSeconds: config.auth.loginBackoffMaxSeconds,
    },
  });
  await app.register(usersRoutes, { hooks: { endSessions: revokeAllForUser, dropRecoveryCodes, leaveCommittees }, activationTtlHours: config.auth.activationCodeTtlHours });
  await app.register(committeesRoutes);
  await app.register(auditRoutes, { database, audit, key: signingKey, fullVerifyHours: config.audit.fullVerifyHours });
  await app.register(applicationsRoutes, { notify: noNotifications, activationTtlHours: config.auth.activationCodeTtlHours, importBodyLimitBytes: config.importBodyLimitBytes });
  await app.register(documentsRoutes);
  const sessionDeps = {
    accessTokenTtlSeconds: config.auth.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: config.auth.refreshTokenTtlSeconds,
    signAccessToken: (claims: AccessClaims) => app.jwt.sign(claims),
  };
  await app.register(registrationLinkRoutes, {
    publicBaseUrl: config.publicBaseUrl,
    throttle: config.registration,
    hashPassword: createHashGate({ concurrency: config.registration.hashConcurrency, queue: config.registration.hashQueue }),
    openSession: (tx, userId) => openSession(sessionDeps, tx, userId),
    newAccount: (account) => newApplicantSession(sessionDeps, account),
    // The current consent version from the reference data in memory, not a query per registration.
    currentConsentVersion: async () => (await reference.get()).consent[0]?.version,
  });
  app.get('/openapi.json', { config: { permission: 'public' }, schema: { hide: true } }, async () => app.swagger());

  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The audit trail: changes (`inTransaction`), reads (`read`), refusals. */
    audit: AuditTrail;
    database: Database;
    /** `app.access.requireAccess({ actor, permission, ids, context })`: object-level checks, refusals audited. */
    access: Access<AuditContext>;
    /** Idempotency-Key handling for retried POSTs: `app.idempotency.run({ db, key: idempotencyKeyOf(request), scope, caller, request, run, replay })`. */
    idempotency: IdempotencyStore;
  }
}
