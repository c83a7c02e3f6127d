import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pageOf, pageQuery } from '../../http/pagination.js';
import { auditContext } from '../audit/audit.context.js';
import { auditItem } from '../audit/audit.routes.js';
import { caseHistory } from './applications.service.js';

const ownerHistoryItem = z.object({
  seq: z.number().int(),
  at: z.string(),
  action: z.string(),
  by: z.enum(['you', 'staff', 'system']),
  changes: z.record(z.string(), z.object({ before: z.unknown().optional(), after: z.unknown().optional() })),
});

const historyPage = pageOf(z.union([auditItem, ownerHistoryItem]));

export const applicationsRoutes: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
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
        reads: app.auditReads,
        actor: request.actor!,
        context: auditContext(request),
        id: request.params.id,
        limit: request.query.limit,
        cursor: request.query.cursor,
      }),
  );
};
