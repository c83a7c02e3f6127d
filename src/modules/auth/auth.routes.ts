import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../http/errors.js';
import { ROLES } from '../../access/roles.js';
import { auditContext } from '../audit/audit.context.js';
import { confirmMfa, enrollMfa, login, logout, me, refresh, type AuthDeps } from './auth.service.js';
import { schedule } from '../../db/jobs.js';
import { activateBody } from '../users/users.schemas.js';
import { redeemActivationCode } from '../users/activation.js';
import { invalidActivationCode } from '../users/users.errors.js';
import { guessUnderClaim, pruneThrottle, throttleKeys } from './throttle.js';

/** How often rows of `login_throttle` that no longer count are removed. */
const THROTTLE_PRUNE_INTERVAL_MS = 10 * 60_000;

const tags = ['auth'];

const sessionSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string().describe('Opaque; send it to /auth/refresh. Single use: each refresh returns a new one'),
  expiresIn: z.number().int().describe('Seconds the access token is valid'),
  user: z.object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    ministry: z.string().nullable(),
    mfaEnabled: z.boolean(),
  }),
  notices: z
    .array(z.object({ kind: z.enum(['activation', 'mfa']), at: z.string() }))
    .optional()
    .describe('Resets of this account by an administrator since the last sign-in: tell the person, who may not have asked for them'),
});

const secret = {
  password: z.string().min(1).max(1024),
  totp: z.string().regex(/^\d{6}$/).optional().describe('6-digit code, for accounts with a second factor'),
  recoveryCode: z.string().min(1).max(64).optional().describe('One of the recovery codes, instead of totp'),
};
const loginBody = z.union([
  z.strictObject({ email: z.string().trim().min(1).max(254).describe('Staff: the account email'), ...secret }),
  z.strictObject({
    reference: z
      .string()
      .trim()
      .regex(/^(MOI|MOD)-\d{4}-\d{6}$/i)
      .describe('Applicants: the case reference, e.g. MOI-2025-000123'),
    ...secret,
  }),
]);

const refreshTokenString = z.string().min(1).max(256);

export type AuthRoutesOptions = Omit<AuthDeps, 'db' | 'audit' | 'signAccessToken'>;

export const authRoutes: FastifyPluginAsync<AuthRoutesOptions> = async (app, options) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps: AuthDeps = {
    ...options,
    db: app.database.db,
    audit: app.audit,
    signAccessToken: (claims) => app.jwt.sign(claims),
  };

  // One instance prunes per period (src/db/jobs.ts), however many share the database.
  const stopJobs = schedule(deps.db, [{ name: 'login_throttle.prune', everyMs: THROTTLE_PRUNE_INTERVAL_MS, run: () => pruneThrottle(deps.db, deps.throttle) }], (job, err) =>
    app.log.warn({ err, job }, 'a scheduled job failed'),
  );
  app.addHook('onClose', () => stopJobs());

  r.post(
    '/auth/login',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: 'Sign in: staff with email and password (and a TOTP or recovery code once they have a second factor), applicants with their case reference and password',
        description:
          'Failed attempts are counted per account and per client address; after too many the answer is 429 with Retry-After. ' +
          'An account with a second factor answers 401 auth.mfa_code_required (mfaRequired: true) until a code is given.',
        body: loginBody,
        response: { 200: sessionSchema },
      },
    },
    async (request) => login({ deps, input: request.body, context: auditContext(request, null) }),
  );

  r.post(
    '/auth/refresh',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: 'Exchange a refresh token for a new pair; reusing a spent one revokes the whole session',
        body: z.strictObject({ refreshToken: refreshTokenString }),
        response: { 200: sessionSchema },
      },
    },
    async (request) => refresh({ deps, refreshToken: request.body.refreshToken, context: auditContext(request, null) }),
  );

  r.post(
    '/auth/logout',
    {
      config: { permission: 'session:self' },
      schema: {
        tags,
        summary: "Sign out: revokes the session's refresh tokens; its access tokens stop working at once",
        body: z.strictObject({ refreshToken: refreshTokenString.optional() }).nullish(),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await logout({
        deps,
        actor: request.actor!,
        sessionId: request.user.sid,
        refreshToken: request.body?.refreshToken,
        context: auditContext(request),
      });
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/me',
    {
      config: { permission: 'session:self' },
      schema: {
        tags,
        summary: 'The signed-in user, with their committees',
        response: {
          200: z.object({
            id: z.uuid(),
            email: z.string(),
            name: z.string(),
            roles: z.array(z.enum(ROLES)),
            ministry: z.string().nullable(),
            mfaEnabled: z.boolean(),
            committees: z.array(z.object({ id: z.uuid(), name: z.string(), ministry: z.string(), chair: z.boolean() })),
          }),
        },
      },
    },
    async (request) => me({ db: deps.db, actor: request.actor! }),
  );

  r.post(
    '/auth/mfa/enroll',
    {
      config: { permission: 'session:self' },
      schema: {
        tags,
        summary: 'Start TOTP enrolment: a secret and its otpauth:// URI (show it as a QR code)',
        response: { 200: z.object({ secret: z.string(), otpauthUri: z.string() }) },
      },
    },
    async (request) => enrollMfa({ deps, actor: request.actor!, context: auditContext(request) }),
  );

  r.post(
    '/auth/mfa/confirm',
    {
      config: { permission: 'session:self' },
      schema: {
        tags,
        summary: 'Confirm TOTP enrolment with a first code; returns 10 one-time recovery codes (shown once). Sign in again to get a full session',
        body: z.strictObject({ code: z.string().regex(/^\d{6}$/) }),
        response: { 200: z.object({ recoveryCodes: z.array(z.string()) }) },
      },
    },
    async (request) => confirmMfa({ deps, actor: request.actor!, code: request.body.code, context: auditContext(request) }),
  );

  r.post(
    '/auth/activate',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Redeem a one-time activation code: the person sets their own password, then signs in',
        description: 'Attempts are throttled per client address like sign-ins; a wrong, used, void or expired code answers 400 activation.invalid_code.',
        body: activateBody,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const db = deps.db;
      const context = auditContext(request, null);
      const keys = throttleKeys(`activation@${context.clientAddress ?? 'unknown'}`, context.clientAddress ?? 'unknown');
      await guessUnderClaim(
        db,
        keys,
        deps.throttle,
        (error) => error instanceof AppError && error.code === invalidActivationCode.definition.code,
        () => redeemActivationCode({ db, audit: app.audit, context, code: request.body.code, password: request.body.password }),
      );
      return reply.code(204).send(null);
    },
  );
};
