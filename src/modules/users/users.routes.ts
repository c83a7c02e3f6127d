import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { pageOf } from '../../http/pagination.js';
import { ifMatchHeaders, requireIfMatch, setETag } from '../../http/preconditions.js';
import { auditContext } from '../audit/audit.context.js';
import { confirmReset, requestReset, type ResetOutcome } from './activation.js';
import { createdUserSchema, createUserBody, idParams, listUsersQuery, resetBody, resetResult, updateUserBody, userSchema } from './users.schemas.js';
import { createStaffUser, getUser, listUsers, updateUser, type AccountHooks } from './users.service.js';

const manage = { permission: 'users:manage' } as const;
const tags = ['users'];

export interface UsersRoutesOptions {
  hooks: AccountHooks;
  activationTtlHours: number;
}

function resetAnswer(outcome: ResetOutcome) {
  if (outcome.status === 'pending') return outcome;
  return { status: outcome.status, resetId: outcome.resetId, ...(outcome.code ?? {}) };
}

export const usersRoutes: FastifyPluginAsync<UsersRoutesOptions> = async (app, options) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = app.database.db;

  r.post(
    '/users',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Create a staff account (admin): it gets a one-time activation code, never a password chosen by the admin',
        body: createUserBody,
        response: { 201: createdUserSchema },
      },
    },
    async (request, reply) => {
      const user = await createStaffUser({
        db,
        audit: app.audit,
        context: auditContext(request),
        input: { ...request.body, ministry: request.body.ministry ?? null },
        activationTtlHours: options.activationTtlHours,
      });
      const { activationCode, activationExpiresAt } = user;
      if (!activationCode || !activationExpiresAt) throw new Error('an account created by an admin must get an activation code');
      return setETag(reply.code(201), user.version).send({ ...user, activationCode, activationExpiresAt });
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
        hooks: options.hooks,
        id: request.params.id,
        expectedVersion,
        patch: request.body,
      });
      return setETag(reply, user.version).send(user);
    },
  );

  const reset = (request: FastifyRequest, userId: string, kind: 'activation' | 'mfa') =>
    requestReset({ db, audit: app.audit, hooks: options.hooks, context: auditContext(request), actor: request.actor!, userId, kind, ttlHours: options.activationTtlHours });

  r.post(
    '/users/:id/activation',
    {
      config: manage,
      schema: {
        tags,
        summary: 'A new one-time activation code for an account (the old one is void, the password stops working, sessions end)',
        description: 'For an auditor account the answer is 202 pending: a second admin confirms at POST /users/:id/resets/:resetId/confirm and receives the code.',
        params: idParams,
        response: { 201: resetResult, 202: resetResult },
      },
    },
    async (request, reply) => {
      const outcome = await reset(request, request.params.id, 'activation');
      return reply.code(outcome.status === 'pending' ? 202 : 201).send(resetAnswer(outcome));
    },
  );

  r.post(
    '/users/:id/resets',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Reset an account: a new activation code, or its second factor cleared; an auditor’s waits for a second admin',
        params: idParams,
        body: resetBody,
        response: { 201: resetResult, 202: resetResult },
      },
    },
    async (request, reply) => {
      const outcome = await reset(request, request.params.id, request.body.kind);
      return reply.code(outcome.status === 'pending' ? 202 : 201).send(resetAnswer(outcome));
    },
  );

  r.post(
    '/users/:id/resets/:resetId/confirm',
    {
      config: manage,
      schema: {
        tags,
        summary: 'A second admin confirms a pending reset of an auditor account (and receives the activation code, if any)',
        params: idParams.extend({ resetId: idParams.shape.id }),
        response: { 200: resetResult },
      },
    },
    async (request) =>
      resetAnswer(
        await confirmReset({
          db,
          audit: app.audit,
          hooks: options.hooks,
          context: auditContext(request),
          actor: request.actor!,
          userId: request.params.id,
          resetId: request.params.resetId,
          ttlHours: options.activationTtlHours,
        }),
      ),
  );
};
