import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { preconditionFailed, preconditionRequired } from '../../http/errors.js';
import { auditContext } from '../audit/audit.context.js';
import { createUserBody, idParams, listUsersQuery, updateUserBody, userSchema } from './users.schemas.js';
import { createStaffUser, getUser, listUsers, parseIfMatch, updateUser, type AccountHooks } from './users.service.js';

const manage = { permission: 'users:manage' } as const;
const tags = ['users'];

export const usersRoutes: FastifyPluginAsync<{ hooks: AccountHooks }> = async (app, options) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = app.database.db;

  r.post(
    '/users',
    { config: manage, schema: { tags, summary: 'Create a staff account (admin)', body: createUserBody, response: { 201: userSchema } } },
    async (request, reply) => {
      const user = await createStaffUser({
        db,
        audit: app.audit,
        context: auditContext(request),
        input: { ...request.body, ministry: request.body.ministry ?? null },
      });
      return reply.code(201).header('etag', `"${user.version}"`).send(user);
    },
  );

  r.get(
    '/users',
    {
      config: manage,
      schema: {
        tags,
        summary: 'List staff accounts, ordered by email (admin); applicant accounts are case content and not listed',
        querystring: listUsersQuery,
        response: { 200: z.object({ items: z.array(userSchema), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => listUsers({ db, query: request.query }),
  );

  r.get(
    '/users/:id',
    { config: manage, schema: { tags, summary: 'One account (admin)', params: idParams, response: { 200: userSchema } } },
    async (request, reply) => {
      const user = await getUser({ db, id: request.params.id });
      return reply.header('etag', `"${user.version}"`).send(user);
    },
  );

  r.patch(
    '/users/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Disable/enable an account, change its role, ministry or name, reset its second factor (admin); needs If-Match',
        params: idParams,
        headers: z.object({ 'if-match': z.string().max(100).optional() }),
        body: updateUserBody,
        response: { 200: userSchema },
      },
    },
    async (request, reply) => {
      const expectedVersion = parseIfMatch(request.headers['if-match']);
      if (expectedVersion === undefined) throw preconditionRequired();
      if (Number.isNaN(expectedVersion)) throw preconditionFailed();
      const user = await updateUser({
        db,
        audit: app.audit,
        context: auditContext(request),
        actor: request.actor!,
        hooks: options.hooks,
        id: request.params.id,
        expectedVersion,
        patch: request.body,
      });
      return reply.header('etag', `"${user.version}"`).send(user);
    },
  );
};
