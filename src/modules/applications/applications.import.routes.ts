import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { negotiateLocale } from '../../http/i18n.js';
import { idempotencyKeyOf } from '../../http/idempotency.js';
import { auditContext } from '../audit/audit.context.js';
import { applicantInput } from './applicant.fields.js';
import { importUnsupportedType } from './applications.errors.js';
import { importBatch, replayImport, type ImportResult } from './applications.batch.js';
import { IMPORT_COLUMNS, IMPORT_MAX_ROWS, parseBatch, type ImportFormat } from './applications.import.js';

/** How long an import's connection may stay silent while the batch is stored (its statements have two minutes each). */
const IMPORT_SOCKET_TIMEOUT_MS = 10 * 60_000;

/** The route, also named where the server answers `Expect: 100-continue` by the route's body limit. */
export const IMPORT_PATH = '/applications/import';

export interface ImportRoutesOptions {
  /** IMPORT_BODY_LIMIT_BYTES: this route's own body limit. */
  bodyLimitBytes: number;
}

const importResult = z.object({
  batchId: z.uuid(),
  created: z.number().int(),
  duplicatesFlagged: z.number().int().describe('How many of the new cases were flagged as probable duplicates'),
  sha256: z.string().describe('SHA-256 of the bytes received, recorded with the batch'),
  cases: z
    .array(z.object({ id: z.uuid(), reference: z.string(), duplicateCandidates: z.number().int() }))
    .describe('One per row, in the order of the rows'),
});

/** The JSON form of a batch for the OpenAPI document: an array of applicants, as a request body takes them. */
function jsonRowsSchema(): Record<string, unknown> {
  const schema: Record<string, unknown> = z.toJSONSchema(z.array(applicantInput).max(IMPORT_MAX_ROWS), { io: 'input', unrepresentable: 'any' });
  delete schema.$schema;
  return schema;
}

/** The media type a batch is read as, from Content-Type (charset, when given, must be UTF-8). */
function formatOf(contentType: string | undefined): ImportFormat {
  const [type = '', ...parameters] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase());
  const charset = parameters.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw importUnsupportedType();
  if (type === 'text/csv') return 'csv';
  if (type === 'application/json') return 'json';
  throw importUnsupportedType();
}

/**
 * `POST /applications/import`: a returned group's records in one batch (DESIGN §7). Encapsulated so
 * its body parsers (the raw bytes of CSV or JSON, hashed as received) and its body limit apply to
 * this route alone.
 */
export const importRoutes: FastifyPluginAsync<ImportRoutesOptions> = async (app, options) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // The bytes as sent: the batch records their SHA-256, and parseBatch reads them as CSV or JSON.
  r.removeAllContentTypeParsers();
  r.addContentTypeParser(['text/csv', 'application/json'], { parseAs: 'buffer', bodyLimit: options.bodyLimitBytes }, (_request, body, done) => {
    done(null, body);
  });
  r.addContentTypeParser('*', (_request, _payload, done) => done(importUnsupportedType(), undefined));

  r.post(
    IMPORT_PATH,
    {
      bodyLimit: options.bodyLimitBytes,
      config: {
        permission: 'applications:import',
        openapiRequestBody: {
          required: true,
          description: `Up to ${IMPORT_MAX_ROWS} rows, as CSV or as a JSON array of applicants.`,
          content: {
            'text/csv': {
              schema: { type: 'string' },
              example: 'fullNameAr,fullNameLatin,birthDate,sex,nationalId,branch,rank,specializations,separationKind\n' + 'أحمد الخطيب,Ahmad al-Khatib,1984-05-12,male,01234567890,army,captain,infantry;reconnaissance,defected\n',
            },
            'application/json': { schema: jsonRowsSchema() },
          },
        },
      },
      schema: {
        tags: ['applications'],
        summary: 'Batch import of a returned group: CSV or a JSON array, all or nothing',
        description:
          `CSV (\`text/csv\`, UTF-8 with or without a BOM) with a header row naming the API fields — ${IMPORT_COLUMNS.map((c) => `\`${c}\``).join(', ')} — ` +
          'list fields separated by `;`, an empty cell for a value not given; or a JSON array of applicant objects (`application/json`). ' +
          `At most ${IMPORT_MAX_ROWS} rows. The batch is taken whole or not at all: a 400 lists every bad row in \`errors\` with its \`line\` ` +
          '(the CSV line number, or the array index + 1), `field` and message; a column the API does not know (religion, sect, ethnicity or ' +
          'any other) is refused by name. Contacts may be missing. Probable duplicates — inside the batch or of earlier cases — are created ' +
          'and flagged for the committee, never merged. Send an `Idempotency-Key`: a retry with the same key and bytes answers the first ' +
          'result again; the same key with other bytes is refused (422).',
        security: [{ bearer: [] }],
        headers: z.object({ 'idempotency-key': z.string().max(255).optional().describe('Makes a retry safe: the same key and bytes answer the first result again') }),
        response: { 201: importResult },
      },
    },
    async (request, reply) => {
      // A big batch may work for minutes before the first byte of its answer: the connection's
      // inactivity limit (REQUEST_TIMEOUT_MS + 5 s, for idle and stuck clients) must not cut it
      // meanwhile. node puts the usual limit back for the connection's next request. (An injected
      // request has no real socket.)
      const socket = request.raw.socket as { setTimeout?: (ms: number) => unknown } | undefined;
      if (typeof socket?.setTimeout === 'function') socket.setTimeout(IMPORT_SOCKET_TIMEOUT_MS);
      const body = request.body as Buffer;
      const batch = parseBatch(body, formatOf(request.headers['content-type']), negotiateLocale(request.headers['accept-language']));
      const actor = request.actor!;
      const db = app.database.db;
      const result = await app.idempotency.run<{ batchId: string }, ImportResult>({
        db,
        key: idempotencyKeyOf(request),
        scope: 'POST /applications/import',
        caller: actor.id,
        request: { format: batch.format, sha256: batch.sha256 },
        run: async (complete) => {
          const response = await importBatch({ db, audit: app.audit, actor, context: auditContext(request), batch, complete });
          return { status: 201, outcome: { batchId: response.batchId }, response };
        },
        replay: (stored) => replayImport(db, stored.outcome.batchId),
      });
      return reply.code(201).send(result.response);
    },
  );
};
