import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { pageOf } from '../../http/pagination.js';
import { ifMatchHeaders, requireIfMatch, setETag } from '../../http/preconditions.js';
import { auditContext } from '../audit/audit.context.js';
import { createUserBody, idParams, listUsersQuery, updateUserBody, userSchema } from './users.schemas.js';
import { createStaffUser, getUser, listUsers, updateUser } from './users.service.js';

const manage = { permission: 'users:manage' } as const;
const tags = ['users'];

export const usersRoutes: FastifyPluginAsync = async (app) => {
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
      return setETag(reply.code(201), user.version).send(user);
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
        response: { 200: pageOf(userSchema) },
      },
    },
    async (request) => listUsers({ db, query: request.query }),
  );

  r.get(
    '/users/:id',
    { config: manage, schema: { tags, summary: 'One account (admin)', params: idParams, response: { 200: userSchema } } },
    async (request, reply) => {
      const user = await getUser({ db, id: request.params.id });
      return setETag(reply, user.version).send(user);
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
        headers: ifMatchHeaders,
        body: updateUserBody,
        response: { 200: userSchema },
      },
    },
    async (request, reply) => {
      const expectedVersion = requireIfMatch(request);
      const user = await updateUser({
        db,
        audit: app.audit,
        context: auditContext(request),
        actor: request.actor!,
        id: request.params.id,
        expectedVersion,
        patch: request.body,
      });
      return setETag(reply, user.version).send(user);
    },
  );
};
