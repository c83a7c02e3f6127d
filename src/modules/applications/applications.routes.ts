import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { schedule } from '../../db/jobs.js';
import { preconditionFailed } from '../../http/http.errors.js';
import { pageOf, pageQuery } from '../../http/pagination.js';
import { auditContext } from '../audit/audit.context.js';
import { auditItem } from '../audit/audit.routes.js';
import { ifMatchHeaders, parseIfMatch, requireIfMatch, setETag } from '../../http/preconditions.js';
import { caseHistory } from './applications.service.js';
import { CASE_STATUSES } from './applications.state.js';
import { CASE_ACTIONS, DECISION_OUTCOMES } from './applications.transitions.js';
import { transition, type TransitionNotifier } from './applications.workflow.js';
import { applicantInput, applicantOutput, applicantPatch } from './applicant.fields.js';
import { patchCase, readCase } from './applications.case.js';
import { listCases } from './applications.list.js';
import { GOVERNORATE_CODES, RANK_CODES, SEX_CODES } from '../reference/reference.codes.js';
import { CASE_CHANNELS } from './applications.state.js';
import { createWalkIn, issueApplicantAccount } from './applications.service.js';
import { importRoutes } from './applications.import.routes.js';
import { caseDuplicates, pruneFlagLog } from './applications.duplicates.js';
import { DUPLICATE_GRADES } from './applicant.table.js';

const ownerHistoryItem = z.object({
  seq: z.number().int(),
  at: z.string(),
  action: z.string(),
  by: z.enum(['you', 'staff', 'system']),
  changes: z.record(z.string(), z.object({ before: z.unknown().optional(), after: z.unknown().optional() })),
});

const historyPage = pageOf(z.union([auditItem, ownerHistoryItem]));

const actionBody = z.strictObject({
  /** The version the caller acted on; or send it as If-Match. */
  version: z.number().int().min(1).optional(),
  note: z.string().trim().min(1).max(4000).optional(),
  reason: z.string().trim().min(1).max(4000).optional(),
  statement: z.string().trim().min(1).max(20_000).optional(),
  intoId: z.uuid().optional(),
  outcome: z.enum(DECISION_OUTCOMES).optional(),
});

const actionResult = z.object({
  id: z.uuid(),
  reference: z.string(),
  status: z.enum(CASE_STATUSES),
  version: z.number().int(),
  allowedActions: z.array(z.enum(CASE_ACTIONS)),
});

/** What every view of a case starts with. */
const caseCore = z.object({
  id: z.uuid(),
  reference: z.string(),
  ministry: z.string(),
  status: z.enum(CASE_STATUSES),
  channel: z.enum(CASE_CHANNELS),
  version: z.number().int(),
});

const createdCase = caseCore;

const fullCase = caseCore.extend({
  status: z.enum([...CASE_STATUSES, 'under_review']).describe('The owner sees `on_hold` as `under_review`'),
  createdAt: z.string(),
  updatedAt: z.string(),
  applicant: applicantOutput,
  allowedActions: z.array(z.enum(CASE_ACTIONS)),
});

const listItem = caseCore.extend({
  createdAt: z.string(),
  fullNameAr: z.string(),
  fullNameLatin: z.string().nullable(),
  birthDate: z.string(),
  sex: z.enum(SEX_CODES),
  branch: z.string(),
  rank: z.string(),
  specializations: z.array(z.string()),
  separationKind: z.string(),
  residenceCountry: z.string().nullable(),
  insideSyria: z.boolean().nullable(),
  educationDegree: z.string().nullable(),
  educationField: z.string().nullable(),
  preferredGovernorates: z.array(z.string()),
});

const listQuery = z.strictObject({
  ...pageQuery,
  status: z.enum(CASE_STATUSES).optional(),
  rank: z.enum(RANK_CODES).optional(),
  specialization: z.string().max(64).optional(),
  governorate: z.enum(GOVERNORATE_CODES).optional(),
  channel: z.enum(CASE_CHANNELS).optional(),
  insideSyria: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  residenceCountry: z
    .string()
    .regex(/^[A-Za-z]{2}$/)
    .transform((v) => v.toUpperCase())
    .optional(),
  educationField: z.string().min(1).max(100).optional(),
  q: z.string().min(1).max(200).optional().describe('A name in Arabic or Latin script (part of it, any usual spelling) or a national ID / service number'),
});

const evidence = z.object({
  field: z.enum(['nationalId', 'serviceNumber', 'fullNameAr', 'fullNameLatin', 'birthDate', 'email']),
  how: z.enum(['equal', 'similar', 'within_one_year']).describe('Names are compared in their folded forms (DESIGN §7)'),
  similarity: z.number().optional().describe('Trigram similarity of the folded Arabic names, for `how: similar`'),
});

const duplicateItem = z.discriminatedUnion('visible', [
  z.object({
    visible: z.literal(true),
    id: z.uuid(),
    reference: z.string(),
    ministry: z.string(),
    status: z.enum(CASE_STATUSES),
    grade: z.enum(DUPLICATE_GRADES),
    evidence: z.array(evidence),
    fullNameAr: z.string(),
    fullNameLatin: z.string().nullable(),
    birthDate: z.string(),
  }),
  z
    .object({
      visible: z.literal(false),
      ministry: z.string(),
      grade: z.enum(DUPLICATE_GRADES),
      evidence: z.array(evidence.omit({ similarity: true })),
    })
    .describe('A candidate outside the caller’s scope: only its ministry, grade and which fields matched'),
]);

export interface ApplicationsRoutesOptions {
  /** Told of every status change inside its transaction (the notifications module); none yet. */
  notify: TransitionNotifier;
  /** ACTIVATION_CODE_TTL_HOURS. */
  activationTtlHours: number;
  /** IMPORT_BODY_LIMIT_BYTES. */
  importBodyLimitBytes: number;
}

/** How often the flagging turns' log is pruned of entries past FLAG_LOG_RETENTION_HOURS. */
const FLAG_LOG_PRUNE_INTERVAL_MS = 15 * 60_000;

export const applicationsRoutes: FastifyPluginAsync<ApplicationsRoutesOptions> = async (app, options) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  await app.register(importRoutes, { bodyLimitBytes: options.importBodyLimitBytes });

  // One instance prunes the flagging turns' log per period (src/db/jobs.ts).
  const stopJobs = schedule(app.database.db, [{ name: 'duplicate_flag_log.prune', everyMs: FLAG_LOG_PRUNE_INTERVAL_MS, run: () => pruneFlagLog(app.database.db) }], (job, err) =>
    app.log.warn({ err, job }, 'a scheduled job failed'),
  );
  app.addHook('onClose', () => stopJobs());

  r.post(
    '/applications',
    {
      config: { permission: 'applications:create' },
      schema: {
        tags: ['applications'],
        summary: 'Walk-in entry: staff enter an officer who came in person',
        description:
          'The applicant fields of API.md (contacts optional, no password); the case is `submitted`, `channel: walk_in`, in the ' +
          'ministry of the staff member. Unknown fields (religion, sect, ethnicity or any other) are refused and nothing is stored. ' +
          'A probable duplicate of another case (DESIGN §7) is created all the same and flagged for the committee.',
        security: [{ bearer: [] }],
        body: z.strictObject({ applicant: applicantInput }),
        response: { 201: createdCase },
      },
    },
    async (request, reply) => {
      const created = await createWalkIn({
        db: app.database.db,
        audit: app.audit,
        actor: request.actor!,
        context: auditContext(request),
        applicant: request.body.applicant,
      });
      return reply.code(201).header('etag', '"1"').send(created);
    },
  );

  r.get(
    '/applications',
    {
      config: { permission: 'applications:list' },
      schema: {
        tags: ['applications'],
        summary: 'Cases of the caller’s scope, newest first',
        description:
          'Staff and auditors; filtered by the access rules (src/access/scope.ts). Filters: status, rank, specialization, governorate ' +
          '(a preferred one), channel, insideSyria, residenceCountry, educationField (case-insensitive, e.g. `law`), q (a name, ' +
          'Arabic- and transliteration-aware, or an ID; recorded hashed in the audit log). Items carry no ' +
          'national ID, phone or email (GET /applications/:id does).',
        security: [{ bearer: [] }],
        querystring: listQuery,
        response: { 200: pageOf(listItem) },
      },
    },
    async (request) => {
      const { limit, cursor, ...filters } = request.query;
      return listCases({ db: app.database.db, audit: app.audit, actor: request.actor!, context: auditContext(request), filters, limit, cursor });
    },
  );

  r.get(
    '/applications/:id',
    {
      config: { permission: 'applications:read' },
      schema: {
        tags: ['applications'],
        summary: 'The full case: applicant, status and the actions open to the caller',
        description: 'Owner, staff and auditors of the case’s ministry; anyone else 404. ETag = version.',
        security: [{ bearer: [] }],
        params: z.strictObject({ id: z.uuid() }),
        response: { 200: fullCase },
      },
    },
    async (request, reply) => {
      const found = await readCase({ db: app.database.db, audit: app.audit, access: app.access, actor: request.actor!, context: auditContext(request), id: request.params.id });
      return setETag(reply, found.version).send(found);
    },
  );

  r.patch(
    '/applications/:id',
    {
      config: { permission: 'applications:update' },
      schema: {
        tags: ['applications'],
        summary: 'Correct the applicant’s data (If-Match required)',
        description:
          'Contact and residence (phone, email, residenceCountry, residenceCity, insideSyria) until the case is withdrawn, merged or assigned; ' +
          'identity fields only while `submitted` (409 `application.identity_locked` afterwards). 428 without If-Match, 412 on a stale version.',
        security: [{ bearer: [] }],
        params: z.strictObject({ id: z.uuid() }),
        headers: ifMatchHeaders,
        body: z.strictObject({ applicant: applicantPatch }),
        response: { 200: fullCase },
      },
    },
    async (request, reply) => {
      const expectedVersion = requireIfMatch(request);
      const found = await patchCase({
        db: app.database.db,
        audit: app.audit,
        access: app.access,
        actor: request.actor!,
        context: auditContext(request),
        id: request.params.id,
        expectedVersion,
        patch: request.body.applicant,
      });
      return setETag(reply, found.version).send(found);
    },
  );

  r.post(
    '/applications/:id/applicant-account',
    {
      config: { permission: 'applications:create' },
      schema: {
        tags: ['applications'],
        summary: 'Give the officer of a case a sign-in: a one-time activation code to hand over',
        description:
          'Ministry staff of the case’s ministry. Creates the applicant account if the case has none and issues a one-time ' +
          '`activationCode` (redeemed at POST /auth/activate; earlier codes are void). Also the way back for an officer who ' +
          'forgot the password or the reference (the answer names it). Another ministry’s case answers 404.',
        security: [{ bearer: [] }],
        params: z.strictObject({ id: z.uuid() }),
        response: {
          200: z.object({
            applicationId: z.uuid(),
            reference: z.string(),
            userId: z.uuid(),
            accountCreated: z.boolean(),
            activationCode: z.string(),
            activationExpiresAt: z.string(),
          }),
        },
      },
    },
    async (request) =>
      issueApplicantAccount({
        db: app.database.db,
        audit: app.audit,
        access: app.access,
        actor: request.actor!,
        context: auditContext(request),
        id: request.params.id,
        ttlHours: options.activationTtlHours,
      }),
  );

  r.post(
    '/applications/:id/actions/:action',
    {
      // The role check lets every role that may act on some case through; the transition table
      // decides per action, status and relation to the case.
      config: { permission: 'applications:act' },
      schema: {
        tags: ['applications'],
        summary: 'Take a workflow action on a case (DESIGN §3)',
        description:
          'Who may do what from which status is the transition table (src/modules/applications/applications.transitions.ts). ' +
          'An optional `version` (or If-Match) makes a stale view answer 412. An action not open to the caller from the ' +
          'current status answers 409 `transition.not_allowed` with `allowedActions`; a check whose records this version ' +
          'does not keep yet answers 409 `transition.guard_unavailable`. A case the caller may not see answers 404.',
        security: [{ bearer: [] }],
        params: z.strictObject({ id: z.uuid(), action: z.enum(CASE_ACTIONS) }),
        headers: ifMatchHeaders,
        body: actionBody.optional(),
        response: { 200: actionResult },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const header = parseIfMatch(request.headers['if-match']);
      if (header === null || (header !== undefined && body.version !== undefined && header !== body.version)) throw preconditionFailed();
      const result = await transition({
        db: app.database.db,
        audit: app.audit,
        access: app.access,
        notify: options.notify,
        actor: request.actor!,
        context: auditContext(request),
        id: request.params.id,
        input: { ...body, action: request.params.action, expectedVersion: body.version ?? header },
      });
      return reply.header('etag', `"${result.version}"`).send(result);
    },
  );

  r.get(
    '/applications/:id/duplicates',
    {
      config: { permission: 'applications:duplicates' },
      schema: {
        tags: ['applications'],
        summary: 'Probable duplicates of a case, with the evidence and the grade (DESIGN §7)',
        description:
          'Staff and auditors of the case’s ministry; anyone else 404. Against every case of both ministries, graded on the data as it is now: ' +
          '`likely` (same national ID or service number, or same folded Arabic name and birth date), then `possible` (Arabic names ' +
          'of trigram similarity ≥ 0.6, or the same folded Latin name, with birth dates within one year), by similarity. An equal ' +
          'email is evidence, never a grade by itself. A candidate outside the caller’s scope is shown only by its ministry, grade ' +
          'and the fields that matched. Flagged for a human, never merged.',
        security: [{ bearer: [] }],
        params: z.strictObject({ id: z.uuid() }),
        response: { 200: z.object({ items: z.array(duplicateItem) }) },
      },
    },
    async (request) =>
      caseDuplicates({ db: app.database.db, audit: app.audit, access: app.access, actor: request.actor!, context: auditContext(request), id: request.params.id }),
  );

  r.get(
    '/applications/:id/history',
    {
      config: { permission: 'applications:history' },
      schema: {
        tags: ['applications'],
        summary: "A case's audit trail, oldest first",
        description:
          'Staff and auditors of the case’s ministry see every entry; the applicant sees their own case redacted ' +
          '(status changes only, staff not named). Another ministry’s or another applicant’s case answers 404.',
        security: [{ bearer: [] }],
        params: z.strictObject({ id: z.uuid() }),
        querystring: z.strictObject(pageQuery),
        response: { 200: historyPage },
      },
    },
    async (request) =>
      caseHistory({
        db: app.database.db,
        audit: app.audit,
        access: app.access,
        actor: request.actor!,
        context: auditContext(request),
        id: request.params.id,
        limit: request.query.limit,
        cursor: request.query.cursor,
      }),
  );
};
