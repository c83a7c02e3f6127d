import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { eq, sql } from 'drizzle-orm';
import { preparedPerDb } from '../../db/statement.js';
import { z } from 'zod';
import { AppError } from '../../http/errors.js';
import { idempotencyKeyOf } from '../../http/idempotency.js';
import { pageOf, pageQuery } from '../../http/pagination.js';
import { applicantShape, crossChecks, requireContact, requireIdentity } from '../applications/applicant.fields.js';
import { passwordProblem } from '../users/password.js';
import { passwordRejected } from '../users/users.errors.js';
import { auditContext } from '../audit/audit.context.js';
import { consentOutdated, linkGone, linkNotFound } from './registration.errors.js';
import { claimRegistration, register, replayRegistration, type HashGate, type NewAccount, type OpenSession, type Registered, type RegistrationSettings } from './registration.service.js';
import { createLink, createLinkMemory, LINK_STATUSES, linkStatus, listLinks, revokeLink } from './registration.links.js';
import { registrationLinks } from './registration.table.js';

const linkSchema = z.object({
  id: z.uuid(),
  token: z.string(),
  url: z.string(),
  ministry: z.string(),
  label: z.string(),
  opensAt: z.string().nullable(),
  closesAt: z.string().nullable(),
  maxRegistrations: z.number().int().nullable(),
  registrationsCount: z.number().int(),
  status: z.enum(LINK_STATUSES),
  revokedAt: z.string().nullable(),
  createdAt: z.string(),
});

const createLinkBody = z.strictObject({
  label: z
    .string()
    .max(800)
    .transform((v) => v.normalize('NFC').replace(/[\p{Cc}\p{Cf}]/gu, '').trim())
    .pipe(z.string().min(1).max(200)),
  opensAt: z.iso.datetime({ offset: true }).optional(),
  closesAt: z.iso.datetime({ offset: true }).optional(),
  maxRegistrations: z.number().int().min(1).max(1_000_000).optional(),
});

/** A token as issued (43 base64url characters); anything else cannot be one and is answered 404 like an unknown one. */
export const tokenParam = z.strictObject({ token: z.string().max(200) });
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Every registration (and every look at its page) starts with it: prepared. */
const linkQuery = preparedPerDb((db) => db.select().from(registrationLinks).where(eq(registrationLinks.token, sql.placeholder('token'))).prepare('link_by_token'));

export async function findLinkByToken(db: Parameters<typeof listLinks>[0]['db'], token: string) {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  const [link] = await linkQuery(db).execute({ token });
  return link;
}

export interface RegistrationRoutesOptions {
  publicBaseUrl: string | undefined;
  throttle: RegistrationSettings;
  /** Bounded password hashing for registrations (createHashGate). */
  hashPassword: HashGate;
  openSession: OpenSession;
  newAccount: NewAccount;
  /** The consent text a registration must accept (the newest published). */
  currentConsentVersion: () => Promise<string | undefined>;
}

const registrationBody = z
  .strictObject({
    ...applicantShape,
    password: z.string().max(1024),
    consent: z.strictObject({ accepted: z.literal(true), textVersion: z.string().min(1).max(40) }),
  })
  .superRefine((value, ctx) => {
    requireIdentity(value, ctx);
    requireContact(value, ctx);
    crossChecks(value, ctx);
  });

const registeredSchema = z.object({ applicationId: z.uuid(), reference: z.string(), accessToken: z.string(), refreshToken: z.string() });

export const registrationLinkRoutes: FastifyPluginAsync<RegistrationRoutesOptions> = async (app, options) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = app.database.db;
  // Registrations read their link from memory (createLinkMemory); the page and staff read it fresh.
  const links = createLinkMemory((token) => findLinkByToken(db, token));

  r.post(
    '/registration-links',
    {
      config: { permission: 'registration_links:manage' },
      schema: {
        tags: ['registration'],
        summary: 'Publish a registration link for the caller’s ministry',
        description:
          '`url` = PUBLIC_BASE_URL/apply/<token> (relative when PUBLIC_BASE_URL is unset). The token is 256 random bits. ' +
          'Status is derived: scheduled (before opensAt), open, closed (after closesAt), full (maxRegistrations reached), revoked.',
        security: [{ bearer: [] }],
        body: createLinkBody,
        response: { 201: linkSchema },
      },
    },
    async (request, reply) => {
      const link = await createLink({ db, audit: app.audit, actor: request.actor!, context: auditContext(request), publicBaseUrl: options.publicBaseUrl, input: request.body });
      return reply.code(201).send(link);
    },
  );

  r.get(
    '/registration-links',
    {
      config: { permission: 'registration_links:manage' },
      schema: {
        tags: ['registration'],
        summary: 'The caller’s ministry’s registration links, newest first',
        security: [{ bearer: [] }],
        querystring: z.strictObject(pageQuery),
        response: { 200: pageOf(linkSchema) },
      },
    },
    async (request) => listLinks({ db, actor: request.actor!, publicBaseUrl: options.publicBaseUrl, limit: request.query.limit, cursor: request.query.cursor }),
  );

  r.post(
    '/registration-links/:id/revoke',
    {
      config: { permission: 'registration_links:manage' },
      schema: {
        tags: ['registration'],
        summary: 'Revoke a link at once; further registrations get 410',
        security: [{ bearer: [] }],
        params: z.strictObject({ id: z.uuid() }),
        response: { 200: linkSchema },
      },
    },
    async (request) => {
      const link = await revokeLink({ db, audit: app.audit, actor: request.actor!, context: auditContext(request), publicBaseUrl: options.publicBaseUrl, id: request.params.id });
      links.forget(link.token);
      return link;
    },
  );

  r.get(
    '/register/:token',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['registration'],
        summary: 'What a registration link is for (public)',
        description: 'Unknown token → 404. `ministry` is a code (names at GET /reference/ministries).',
        params: tokenParam,
        response: {
          200: z.object({
            ministry: z.string(),
            label: z.string(),
            status: z.enum(LINK_STATUSES),
            opensAt: z.string().nullable(),
            closesAt: z.string().nullable(),
          }),
        },
      },
    },
    async (request) => {
      const link = await findLinkByToken(db, request.params.token);
      if (!link) throw linkNotFound();
      return { ministry: link.ministry, label: link.label, status: linkStatus(link), opensAt: link.opensAt?.toISOString() ?? null, closesAt: link.closesAt?.toISOString() ?? null };
    },
  );

  r.post(
    '/register/:token',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['registration'],
        summary: 'Register through a link (public, throttled, honours Idempotency-Key)',
        description:
          'The applicant fields (a phone or an email required), a password (the staff policy) and consent to the current consent text. ' +
          'Creates the applicant account and the case (`submitted`, `channel: link`) and returns a session. A link that is not open answers 410, except to a retry ' +
          'of a registration that went through (same Idempotency-Key and body), which gets its case. ' +
          'Throttled per client address and per link (REGISTER_* settings). The same Idempotency-Key with the same body answers the same case with ' +
          'a fresh session; with another body 422. Nothing in the answer depends on whether the person is already known.',
        params: tokenParam,
        body: registrationBody,
        response: { 201: registeredSchema },
      },
    },
    async (request, reply) => {
      const link = await links.find(request.params.token);
      if (!link) throw linkNotFound();
      const key = idempotencyKeyOf(request);
      // Without a key there is nothing to replay: a closed link is refused before anything is counted.
      if (key === undefined && linkStatus(link) !== 'open') throw linkGone();
      await claimRegistration(db, options.throttle, link.id, request.ip);
      const { password, consent, ...applicant } = request.body;
      const problem = passwordProblem(password);
      if (problem) throw passwordRejected(problem);
      const result = await app.idempotency.run<Registered, Registered & { accessToken: string; refreshToken: string }>({
        db,
        key,
        scope: 'POST /register/:token',
        caller: null,
        request: { token: request.params.token, body: request.body },
        run: async (complete) => {
          // Checked once no stored answer was found: the retry of a registration that went through gets
          // its case even after the link filled or closed, or a new consent text was published.
          if (linkStatus(link) !== 'open') throw linkGone();
          if (consent.textVersion !== (await options.currentConsentVersion())) throw consentOutdated();
          const passwordHash = await options.hashPassword(password);
          const response = await register({
            db,
            audit: app.audit,
            context: auditContext(request),
            linkId: link.id,
            ministry: link.ministry,
            applicant,
            passwordHash,
            consentVersion: consent.textVersion,
            newAccount: options.newAccount,
            complete,
          });
          return { status: 201, outcome: { applicationId: response.applicationId, reference: response.reference }, response };
        },
        replay: (stored) => replayRegistration(db, options.openSession, stored.outcome),
      }).catch((error: unknown) => {
        // The transaction found the link closed (revoked or full since it was read): read it again next time.
        if (error instanceof AppError && error.definition === linkGone.definition) links.forget(request.params.token);
        throw error;
      });
      return reply.code(201).send(result.response);
    },
  );
};
