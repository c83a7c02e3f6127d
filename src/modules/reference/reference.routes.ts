import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { createReferenceCache, type ReferenceCache } from './reference.cache.js';
import { CODE_LISTS } from './reference.codes.js';
import { consentVersionNotFound } from './reference.errors.js';

/**
 * How stale an instance's copy may get after a change: one tiny query per second per instance,
 * instead of one per request (clients may cache the lists for 300 s anyway).
 */
const REFERENCE_CHECK_MS = 1_000;

const named = { code: z.string(), nameAr: z.string(), nameEn: z.string() };
const list = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

const rankSchema = z.object({ ...named, order: z.number().int(), category: z.enum(['enlisted', 'nco', 'officer']) });
const specializationSchema = z.object({
  ...named,
  order: z.number().int(),
  ministries: z.array(z.string()),
  related: z.array(z.string()).describe('Codes of related specializations (symmetric); used by matching'),
});
const governorateSchema = z.object({ ...named, order: z.number().int() });
const ministrySchema = z.object({ ...named, referencePrefix: z.string() });
const codeSchema = z.object({ ...named, order: z.number().int() });
const consentSchema = z.object({ version: z.string(), textAr: z.string(), textEn: z.string(), publishedAt: z.string() });

const LIST_SUMMARIES: Record<(typeof CODE_LISTS)[number], string> = {
  countries: 'Countries (ISO 3166-1 alpha-2 codes), sorted by code',
  branches: 'Service branches',
  'separation-kinds': 'How an officer left service',
  degrees: 'Education degrees',
  'document-kinds': 'Kinds of supporting documents',
  'decision-reasons': 'Reason codes of committee decisions',
  'flag-kinds': 'Kinds of vetting flags',
};

const publicReference = { permission: 'public', cache: 'public-reference' } as const;

/** The instance's reference data in memory (src/app.ts hands it to the routes that read it). */
export function referenceCacheFor(app: FastifyInstance, db: Db, checkEveryMs = REFERENCE_CHECK_MS): ReferenceCache {
  return createReferenceCache({
    db,
    checkEveryMs,
    onCheckFailed: (err) => app.log.warn({ err }, 'reference version check failed; serving the lists in memory'),
  });
}

export const referenceRoutes: FastifyPluginAsync<{ cache: ReferenceCache }> = async (app, { cache }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // Loaded before the first request, so reference data never waits for a connection a busy pool lacks.
  app.addHook('onReady', async () => {
    await cache.get().catch((err: unknown) => app.log.warn({ err }, 'reference data not loaded at start; loading on first use'));
  });
  r.get(
    '/reference/ranks',
    { config: publicReference, schema: { tags: ['reference'], summary: 'The 16-step rank ladder, junior to senior', response: { 200: list(rankSchema) } } },
    async () => (await cache.get()).ranks,
  );
  r.get(
    '/reference/specializations',
    {
      config: publicReference,
      schema: { tags: ['reference'], summary: 'Specializations of both ministries, with their related ones', response: { 200: list(specializationSchema) } },
    },
    async () => (await cache.get()).specializations,
  );
  r.get(
    '/reference/governorates',
    { config: publicReference, schema: { tags: ['reference'], summary: 'The 14 governorates', response: { 200: list(governorateSchema) } } },
    async () => (await cache.get()).governorates,
  );
  r.get(
    '/reference/ministries',
    { config: publicReference, schema: { tags: ['reference'], summary: 'The two ministries', response: { 200: list(ministrySchema) } } },
    async () => (await cache.get()).ministries,
  );
  for (const name of CODE_LISTS) {
    r.get(
      `/reference/${name}`,
      { config: publicReference, schema: { tags: ['reference'], summary: LIST_SUMMARIES[name], response: { 200: list(codeSchema) } } },
      async () => (await cache.get()).lists[name],
    );
  }
  r.get(
    '/consent/current',
    {
      config: publicReference,
      schema: {
        tags: ['reference'],
        summary: 'The consent text a registration accepts now',
        description: 'A registration sends `consent: {accepted: true, textVersion}` with this `version`.',
        response: { 200: consentSchema },
      },
    },
    async () => {
      const [current] = (await cache.get()).consent;
      if (!current) throw consentVersionNotFound();
      return current;
    },
  );
  r.get(
    '/consent/:version',
    {
      config: publicReference,
      schema: {
        tags: ['reference'],
        summary: 'A consent text by version (older ones stay readable)',
        params: z.strictObject({ version: z.string().min(1).max(40) }),
        response: { 200: consentSchema },
      },
    },
    async (request) => {
      const found = (await cache.get()).consent.find((c) => c.version === request.params.version);
      if (!found) throw consentVersionNotFound();
      return found;
    },
  );
};
