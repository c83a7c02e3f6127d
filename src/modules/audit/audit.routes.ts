import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { pageOf, pageQuery } from '../../http/pagination.js';
import { schedule } from '../../db/jobs.js';
import { boundedDateTime } from '../../http/schemas.js';
import { CHECKPOINT_VERSION, type CheckpointKey } from './audit.chain.js';
import { listCheckpoints } from './audit.checkpoints.js';
import { auditContext, SYSTEM_CONTEXT } from './audit.context.js';
import { checkpointIncomplete } from './audit.errors.js';
import { decodeSeqCursor, encodeSeqCursor, exportAudit, queryAudit, type AuditFilters } from './audit.query.js';
import type { AuditTrail } from './audit.js';
import { runVerification } from './audit.service.js';

export interface AuditRoutesOptions {
  database: Database;
  audit: AuditTrail;
  key: CheckpointKey;
  /** Period of the scheduled full verification, in hours; 0 (or absent) schedules none. */
  fullVerifyHours?: number;
}

/** Name of the scheduled full verification in `scheduled_jobs` (one instance runs it per period). */
export const FULL_VERIFY_JOB = 'audit.full_verify';

const filters = {
  entityType: z.string().min(1).max(100).optional(),
  entityId: z.string().min(1).max(200).optional(),
  caseId: z.uuid().optional().describe('Entries about this case (its interviews, flags, decisions, documents included)'),
  ministry: z.enum(['interior', 'defense']).optional().describe('Entries about this ministry’s records'),
  actorId: z.uuid().optional(),
  action: z.string().min(1).max(100).optional(),
  from: boundedDateTime().optional().describe('Entries at or after this time (years 1900–9999)'),
  to: boundedDateTime().optional().describe('Entries before this time (years 1900–9999)'),
};

const fieldChange = z.object({ before: z.unknown().optional(), after: z.unknown().optional() });
export const auditItem = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.object({ id: z.string(), role: z.string() }).nullable(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string().nullable(),
  caseId: z.string().nullable(),
  ministry: z.string().nullable(),
  outcome: z.enum(['success', 'failure', 'denied']),
  requestId: z.string().nullable(),
  clientRequestId: z.string().nullable().optional().describe('The client’s own X-Request-Id, when it sent a valid one'),
  clientAddress: z.string().nullable().describe('Keyed hash (hmac-sha256:…) of the client address'),
  changes: z.record(z.string(), fieldChange).describe('Workflow fields in clear; personal fields as keyed hashes (hmac-sha256:…)'),
  details: z.record(z.string(), z.unknown()),
  hash: z.string(),
});

const problemKind = z.enum(['gap', 'changed_entry', 'broken_link', 'head_mismatch', 'checkpoint_mismatch', 'bad_signature']);
const verifyResponse = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  headHash: z.string(),
  headSeq: z.number().int(),
  firstBadSeq: z.number().int().nullable(),
  problem: z.object({ kind: problemKind, detail: z.string() }).nullable(),
  mode: z.enum(['full', 'incremental']),
  fromSeq: z.number().int().describe('The run recomputed the entries after this one (0: from the first entry)'),
  checkpointsChecked: z.number().int(),
  checkpointsSkipped: z.number().int().describe('Checkpoints signed with another key than the configured one'),
  verifiedCheckpointSeq: z.number().int().nullable().describe('Checkpoint now marked verified; the next incremental run starts there'),
  notChecked: z
    .object({ fromSeq: z.number().int(), toSeq: z.number().int(), anchorCheckpointSeq: z.number().int(), reason: z.string() })
    .nullable()
    .describe('Entries this run did not recompute (an incremental run trusts those before its verified checkpoint); null when it checked from the first entry'),
  durationMs: z.number().int(),
});

const checkpointItem = z.object({
  seq: z.number().int(),
  hash: z.string(),
  signedAt: z.string(),
  keyId: z.string(),
  signature: z.string().describe('Base64 Ed25519 signature over `message`'),
  message: z.string(),
  verifiedAt: z.string().nullable(),
});

export const auditRoutes: FastifyPluginAsync<AuditRoutesOptions> = async (app, options) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = options.database.db;

  // The periodic full verification: on one instance per period (src/db/jobs.ts), its result in the
  // log and, like every verification, in the audit log (via 'schedule').
  const everyHours = options.fullVerifyHours ?? 0;
  if (everyHours > 0) {
    const run = async () => {
      const result = await runVerification({ database: options.database, audit: options.audit, key: options.key, context: SYSTEM_CONTEXT, full: true, via: 'schedule' });
      const summary = { job: FULL_VERIFY_JOB, ok: result.ok, checked: result.checked, headSeq: result.headSeq, firstBadSeq: result.firstBadSeq, problem: result.problem, durationMs: result.durationMs };
      if (result.ok) app.log.info(summary, 'scheduled full audit verification: the chain is intact');
      else app.log.error(summary, 'scheduled full audit verification FOUND A PROBLEM in the audit chain');
    };
    const stop = schedule(db, [{ name: FULL_VERIFY_JOB, everyMs: Math.round(everyHours * 3_600_000), run }], (job, err) =>
      app.log.error({ err, job }, 'the scheduled full audit verification could not run'),
    );
    app.addHook('onClose', () => stop());
  }

  /**
   * An auditor scoped to one ministry sees that ministry's entries only (entries about no ministry —
   * staff accounts, sign-ins — are for auditors of both); asking for another ministry's is an empty
   * result, as for any filter that matches nothing.
   */
  function scoped(actorMinistry: string | null, wanted: AuditFilters): AuditFilters | null {
    if (actorMinistry === null) return wanted;
    if (wanted.ministry !== undefined && wanted.ministry !== actorMinistry) return null;
    return { ...wanted, ministry: actorMinistry };
  }

  r.get(
    '/audit',
    {
      config: { permission: 'audit:read' },
      schema: {
        tags: ['audit'],
        summary: 'Query the audit log (an auditor scoped to one ministry sees that ministry’s entries)',
        security: [{ bearer: [] }],
        querystring: z.strictObject({ ...filters, ...pageQuery, order: z.enum(['asc', 'desc']).default('asc') }),
        response: { 200: pageOf(auditItem) },
      },
    },
    async (request) => {
      const { cursor: after, limit: size, order, ...rest } = request.query;
      const inScope = scoped(request.actor!.ministry, rest);
      if (!inScope) return { items: [], nextCursor: null };
      return queryAudit({ db, filters: inScope, limit: size, cursor: after, order });
    },
  );

  r.get(
    '/audit/export',
    {
      config: { permission: 'audit:export' },
      schema: {
        tags: ['audit'],
        summary: 'Export the audit log as JSON Lines (the export is itself recorded)',
        description: 'One entry per line, in chain order, with the same fields as GET /audit.',
        security: [{ bearer: [] }],
        querystring: z.strictObject(filters),
        produces: ['application/jsonl'],
      },
    },
    async (request, reply) => {
      const wanted = scoped(request.actor!.ministry, request.query);
      const context = auditContext(request);
      const entry = (outcome: 'success' | 'failure') =>
        options.audit.read(context, { entityType: 'audit_log', ministry: request.actor!.ministry, outcome, details: { export: 'jsonl', filters: wanted } });
      // The export's read entry is written once it has streamed: after the last line, `success`
      // (committed before the response ends — if it cannot be, the response is cut off, so no export
      // completes unrecorded); if it fails or is abandoned midway, `failure` (part of it may have left).
      const lines = async function* () {
        let streamed = false;
        try {
          if (wanted) for await (const item of exportAudit({ db, filters: wanted })) yield `${JSON.stringify(item)}\n`;
          streamed = true;
        } finally {
          if (!streamed) await entry('failure').catch((err: unknown) => request.log.error({ err }, 'a failed audit export could not be recorded'));
        }
        await entry('success');
      };
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      return reply
        .header('content-type', 'application/jsonl; charset=utf-8')
        .header('content-disposition', `attachment; filename="audit-${stamp}.jsonl"`)
        .send(Readable.from(lines()));
    },
  );

  r.get(
    '/audit/verify',
    {
      config: { permission: 'audit:verify' },
      schema: {
        tags: ['audit'],
        summary: 'Recompute the hash chain and compare it with the head and the signed checkpoints',
        description:
          'Incremental from the last verified checkpoint unless full=true. Give checkpointSeq and checkpointHash of a checkpoint ' +
          'kept outside the system to prove the log still extends it (the only defence against a rewrite by a database superuser).',
        security: [{ bearer: [] }],
        querystring: z.strictObject({
          full: z.enum(['true', 'false']).optional(),
          checkpointSeq: z.coerce.number().int().min(0).optional(),
          checkpointHash: z
            .string()
            .regex(/^[0-9a-f]{64}$/)
            .optional(),
        }),
        response: { 200: verifyResponse },
      },
    },
    async (request) => {
      const { full, checkpointSeq, checkpointHash } = request.query;
      if ((checkpointSeq === undefined) !== (checkpointHash === undefined)) throw checkpointIncomplete();
      return runVerification({
        database: options.database,
        audit: options.audit,
        key: options.key,
        context: auditContext(request),
        full: full === 'true',
        checkpoint: checkpointSeq !== undefined && checkpointHash !== undefined ? { seq: checkpointSeq, hash: checkpointHash } : undefined,
        via: 'api',
      });
    },
  );

  r.get(
    '/audit/checkpoints',
    {
      config: { permission: 'audit:verify' },
      schema: {
        tags: ['audit'],
        summary: 'Signed chain heads, newest first, with the public key to check them outside the system',
        security: [{ bearer: [] }],
        querystring: z.strictObject(pageQuery),
        response: {
          200: z.object({
            algorithm: z.literal('Ed25519'),
            keyId: z.string(),
            publicKey: z.string().describe('SPKI PEM'),
            messageFormat: z.string(),
            items: z.array(checkpointItem),
            nextCursor: z.string().nullable(),
          }),
        },
      },
    },
    async (request) => {
      const page = await listCheckpoints({ db, limit: request.query.limit, beforeSeq: decodeSeqCursor('checkpoints', request.query.cursor) });
      return {
        algorithm: 'Ed25519' as const,
        keyId: options.key.keyId,
        publicKey: options.key.publicKeyPem,
        messageFormat: `${CHECKPOINT_VERSION}|<seq>|<hash>|<signedAt>`,
        items: page.items,
        nextCursor: page.nextBeforeSeq === null ? null : encodeSeqCursor('checkpoints', page.nextBeforeSeq),
      };
    },
  );
};
