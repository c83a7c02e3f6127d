import { asc } from 'drizzle-orm';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { governorates, ministries, ranks, specializationRelations, specializations } from './reference.table.js';

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

const publicReference = { permission: 'public', cache: 'public-reference' } as const;

export const referenceRoutes: FastifyPluginAsync<{ db: Db }> = async (app, { db }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/reference/ranks',
    { config: publicReference, schema: { tags: ['reference'], summary: 'The 16-step rank ladder, junior to senior', response: { 200: list(rankSchema) } } },
    async () => ({ items: await db.select().from(ranks).orderBy(asc(ranks.order)) }),
  );
  r.get(
    '/reference/specializations',
    {
      config: publicReference,
      schema: { tags: ['reference'], summary: 'Specializations of both ministries, with their related ones', response: { 200: list(specializationSchema) } },
    },
    async () => {
      const [rows, relations] = await Promise.all([
        db.select().from(specializations).orderBy(asc(specializations.order)),
        db.select().from(specializationRelations).orderBy(asc(specializationRelations.relatedCode)),
      ]);
      return {
        items: rows.map((s) => ({ ...s, related: relations.filter((x) => x.code === s.code).map((x) => x.relatedCode) })),
      };
    },
  );
  r.get(
    '/reference/governorates',
    { config: publicReference, schema: { tags: ['reference'], summary: 'The 14 governorates', response: { 200: list(governorateSchema) } } },
    async () => ({ items: await db.select().from(governorates).orderBy(asc(governorates.order)) }),
  );
  r.get(
    '/reference/ministries',
    { config: publicReference, schema: { tags: ['reference'], summary: 'The two ministries', response: { 200: list(ministrySchema) } } },
    async () => ({ items: await db.select().from(ministries).orderBy(asc(ministries.code)) }),
  );
};
