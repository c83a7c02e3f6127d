import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { isMigrated } from '../../db/migrate.js';
import { serverUnavailable } from '../../http/http.errors.js';

const healthResponse = z.object({ status: z.literal('ok') });

export const healthRoutes: FastifyPluginAsync<{ database: Database }> = async (app, { database }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/health/live',
    { config: { permission: 'public' }, schema: { tags: ['health'], summary: 'The process is up', response: { 200: healthResponse } } },
    async () => ({ status: 'ok' as const }),
  );
  r.get(
    '/health/ready',
    {
      config: { permission: 'public' },
      schema: { tags: ['health'], summary: 'The database is reachable and migrated', response: { 200: healthResponse } },
    },
    async () => {
      if (!(await isMigrated(database))) throw serverUnavailable();
      return { status: 'ok' as const };
    },
  );
};
