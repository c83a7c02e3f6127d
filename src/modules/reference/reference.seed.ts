import { sql } from 'drizzle-orm';
import * as data from '../../../seeds/reference.js';
import type { Db } from '../../db/client.js';
import { codeLists, consentTexts, governorates, ministries, ranks, specializationRelations, specializations } from './reference.table.js';

/** Loads the reference data; safe to run at every start (upserts, never deletes). */
export async function seedReference(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .insert(ministries)
      .values(data.ministries)
      .onConflictDoUpdate({
        target: ministries.code,
        set: { nameAr: sql`excluded.name_ar`, nameEn: sql`excluded.name_en`, referencePrefix: sql`excluded.reference_prefix` },
      });
    // Orders are unique: park them out of the way first so a reordering never collides mid-way.
    await tx.execute(sql`update ranks set "order" = -"order"`);
    await tx
      .insert(ranks)
      .values(data.ranks.map((r, i) => ({ ...r, order: i + 1 })))
      .onConflictDoUpdate({
        target: ranks.code,
        set: { order: sql`excluded.order`, category: sql`excluded.category`, nameAr: sql`excluded.name_ar`, nameEn: sql`excluded.name_en` },
      });
    await tx.execute(sql`update governorates set "order" = -"order"`);
    await tx
      .insert(governorates)
      .values(data.governorates.map((g, i) => ({ ...g, order: i + 1 })))
      .onConflictDoUpdate({
        target: governorates.code,
        set: { order: sql`excluded.order`, nameAr: sql`excluded.name_ar`, nameEn: sql`excluded.name_en` },
      });
    await tx.execute(sql`update specializations set "order" = -"order"`);
    await tx
      .insert(specializations)
      .values(data.specializations.map((s, i) => ({ ...s, order: i + 1 })))
      .onConflictDoUpdate({
        target: specializations.code,
        set: {
          order: sql`excluded.order`,
          nameAr: sql`excluded.name_ar`,
          nameEn: sql`excluded.name_en`,
          ministries: sql`excluded.ministries`,
        },
      });
    await tx
      .insert(specializationRelations)
      .values(data.specializationRelations.flatMap(([a, b]) => [
        { code: a, relatedCode: b },
        { code: b, relatedCode: a },
      ]))
      .onConflictDoNothing();
    await tx
      .insert(codeLists)
      .values(Object.entries(data.codeLists).flatMap(([list, items]) => items.map((item, i) => ({ list, ...item, order: i + 1 }))))
      .onConflictDoUpdate({
        target: [codeLists.list, codeLists.code],
        set: { order: sql`excluded.order`, nameAr: sql`excluded.name_ar`, nameEn: sql`excluded.name_en` },
      });
    // A published consent text never changes: registrations name the version they accepted.
    await tx.insert(consentTexts).values(data.consentTexts).onConflictDoNothing();
  });
}
