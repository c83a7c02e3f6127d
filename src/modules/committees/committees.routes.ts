import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pageOf, pageQuery } from '../../http/pagination.js';
import { auditContext } from '../audit/audit.context.js';
import { createCommittee, getCommittee, listCommittees, putMember, removeMember } from './committees.service.js';

const manage = { permission: 'committees:manage' } as const;
const tags = ['committees'];
const ministry = z.string().regex(/^[a-z][a-z_]{0,39}$/);

const memberSchema = z.object({ userId: z.uuid(), name: z.string(), chair: z.boolean(), addedAt: z.string() });
const committeeSchema = z.object({ id: z.uuid(), ministry: z.string(), name: z.string(), createdAt: z.string(), members: z.array(memberSchema) });
const memberParams = z.strictObject({ id: z.uuid(), userId: z.uuid() });

export const committeesRoutes: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = app.database.db;

  r.post(
    '/committees',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Create a committee of a ministry (admin)',
        body: z.strictObject({ ministry, name: z.string().trim().min(1).max(200) }),
        response: { 201: committeeSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await createCommittee({ db, audit: app.audit, context: auditContext(request), input: request.body })),
  );

  r.get(
    '/committees',
    {
      config: manage,
      schema: {
        tags,
        summary: 'List committees with their members (admin)',
        querystring: z.strictObject({
          ...pageQuery,
          ministry: ministry.optional(),
        }),
        response: { 200: pageOf(committeeSchema) },
      },
    },
    async (request) => listCommittees({ db, query: request.query }),
  );

  r.get(
    '/committees/:id',
    { config: manage, schema: { tags, summary: 'One committee with its members (admin)', params: z.strictObject({ id: z.uuid() }), response: { 200: committeeSchema } } },
    async (request) => getCommittee({ db, id: request.params.id }),
  );

  r.put(
    '/committees/:id/members/:userId',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Add a committee member or change the chair flag (admin)',
        params: memberParams,
        body: z.strictObject({ chair: z.boolean() }),
        response: { 200: memberSchema, 201: memberSchema },
      },
    },
    async (request, reply) => {
      const { created, member } = await putMember({
        db,
        audit: app.audit,
        context: auditContext(request),
        committeeId: request.params.id,
        userId: request.params.userId,
        chair: request.body.chair,
      });
      return reply.code(created ? 201 : 200).send(member);
    },
  );

  r.delete(
    '/committees/:id/members/:userId',
    { config: manage, schema: { tags, summary: 'Remove a committee member (admin)', params: memberParams, response: { 204: z.null() } } },
    async (request, reply) => {
      await removeMember({ db, audit: app.audit, context: auditContext(request), committeeId: request.params.id, userId: request.params.userId });
      return reply.code(204).send(null);
    },
  );
};
