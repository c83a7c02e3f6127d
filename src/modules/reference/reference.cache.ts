import { asc, desc } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { isDatabaseBusy } from '../../http/db-errors.js';
import { serverUnavailable } from '../../http/http.errors.js';
import { CODE_LISTS, type CodeList } from './reference.codes.js';
import { codeLists, consentTexts, governorates, ministries, ranks, referenceVersion, specializationRelations, specializations } from './reference.table.js';

/** The reference lists as the endpoints serve them. */
export interface ReferenceData {
  version: number;
  ranks: { items: (typeof ranks.$inferSelect)[] };
  specializations: { items: (typeof specializations.$inferSelect & { related: string[] })[] };
  governorates: { items: (typeof governorates.$inferSelect)[] };
  ministries: { items: (typeof ministries.$inferSelect)[] };
  lists: Record<CodeList, { items: { code: string; nameAr: string; nameEn: string; order: number }[] }>;
  /** Consent texts, newest first: the first is current. */
  consent: { version: string; textAr: string; textEn: string; publishedAt: string }[];
}

export interface ReferenceCache {
  /** The current lists: from memory, reloaded when the database's reference version has moved. */
  get(): Promise<ReferenceData>;
}

async function load(db: Db, version: number): Promise<ReferenceData> {
  const [rankRows, specializationRows, relations, governorateRows, ministryRows, codeRows, consentRows] = await Promise.all([
    db.select().from(ranks).orderBy(asc(ranks.order)),
    db.select().from(specializations).orderBy(asc(specializations.order)),
    db.select().from(specializationRelations).orderBy(asc(specializationRelations.relatedCode)),
    db.select().from(governorates).orderBy(asc(governorates.order)),
    db.select().from(ministries).orderBy(asc(ministries.code)),
    db.select().from(codeLists).orderBy(asc(codeLists.list), asc(codeLists.order)),
    db.select().from(consentTexts).orderBy(desc(consentTexts.publishedAt), desc(consentTexts.version)),
  ]);
  const lists = Object.fromEntries(
    CODE_LISTS.map((list) => [list, { items: codeRows.filter((r) => r.list === list).map(({ code, nameAr, nameEn, order }) => ({ code, nameAr, nameEn, order })) }]),
  ) as ReferenceData['lists'];
  return {
    version,
    ranks: { items: rankRows },
    specializations: {
      items: specializationRows.map((s) => ({ ...s, related: relations.filter((x) => x.code === s.code).map((x) => x.relatedCode) })),
    },
    governorates: { items: governorateRows },
    ministries: { items: ministryRows },
    lists,
    consent: consentRows.map((c) => ({ ...c, publishedAt: c.publishedAt.toISOString() })),
  };
}

/**
 * Reference data kept in memory. At most every `checkEveryMs` one request reads the version row (a
 * prepared one-row select; the requests arriving meanwhile share that check) and the lists are
 * reloaded only when it moved, so several instances agree within `checkEveryMs` of a change while
 * the requests in between never touch the database. If the check fails, the lists already loaded
 * keep being served and the check is tried again after the interval.
 */
export function createReferenceCache(options: {
  db: Db;
  checkEveryMs: number;
  onCheckFailed?: (error: unknown) => void;
  now?: () => number;
}): ReferenceCache {
  const { db, checkEveryMs } = options;
  const now = options.now ?? (() => performance.now());
  const versionQuery = db.select({ version: referenceVersion.version }).from(referenceVersion).prepare('reference_version');
  let data: ReferenceData | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let checking: Promise<ReferenceData> | undefined;

  async function check(): Promise<ReferenceData> {
    try {
      const [row] = await versionQuery.execute();
      const version = row?.version ?? 0;
      if (!data || data.version !== version) data = await load(db, version);
    } catch (error) {
      // Nothing loaded yet: a full pool is a 503 server.busy (problem.ts), anything else unavailable.
      if (!data) throw isDatabaseBusy(error) ? error : serverUnavailable();
      options.onCheckFailed?.(error);
    }
    checkedAt = now();
    return data;
  }

  return {
    get() {
      if (data && now() - checkedAt < checkEveryMs) return Promise.resolve(data);
      checking ??= check().finally(() => {
        checking = undefined;
      });
      return checking;
    },
  };
}
