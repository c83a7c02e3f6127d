import { randomInt, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { applicants } from '../../src/modules/applications/applicant.table.js';
import { flagDuplicates, NAME_CANDIDATES_PER_CASE, SEARCH_IN_MEMORY_FROM } from '../../src/modules/applications/applications.duplicates.js';
import { similarNames, type NameRecord } from '../../src/modules/applications/applications.similar-names.js';
import { applications } from '../../src/modules/applications/applications.table.js';
import { createTestApp, type TestApp } from '../harness.js';

/**
 * The batch's similar-name search in memory (applications.similar-names.ts) finds exactly what
 * PostgreSQL's `%` within the birth window finds: against counting every pair, and against the search
 * a single case's flagging runs in SQL, on the same cases.
 */

/** Every pair counted in full, as pg_trgm defines similarity. */
function everyPair(records: readonly NameRecord[], probes: readonly string[], threshold: number, windowDays: number) {
  const found: string[] = [];
  for (const id of new Set(probes)) {
    const x = records.find((r) => r.id === id);
    if (!x) continue;
    const xs = new Set(x.trigrams);
    for (const y of records) {
      if (y.id === x.id || Math.abs(y.birthDay - x.birthDay) > windowDays || xs.size === 0 || y.trigrams.length === 0) continue;
      const shared = y.trigrams.filter((g) => xs.has(g)).length;
      const similarity = Math.fround(shared / (xs.size + y.trigrams.length - shared));
      if (similarity >= threshold) found.push(`${x.id}→${y.id} ${similarity}`);
    }
  }
  return found.sort();
}

describe('similarNames', () => {
  // A few trigrams, so that names share many and every similarity around the threshold occurs.
  const trigram = fc.constantFrom(...Array.from({ length: 14 }, (_, i) => `t${i}`));
  const record = fc.record({
    birthDay: fc.integer({ min: 0, max: 40 }),
    trigrams: fc.uniqueArray(trigram, { maxLength: 12 }),
  });

  it('finds every pair within the window at or above the threshold, and nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { minLength: 1, maxLength: 40 }),
        fc.constantFrom(0.3, 0.5, 0.6, 0.75),
        fc.integer({ min: 0, max: 15 }),
        fc.func(fc.boolean()),
        async (drawn, threshold, windowDays, isProbe) => {
          const records = drawn.map((r, i) => ({ id: `r${i}`, ...r }));
          const probes = records.filter((r, i) => isProbe(i)).map((r) => r.id);
          const found = await similarNames(records, probes, { threshold, windowDays, probesPerSlice: 3 });
          expect(found.map((p) => `${p.a}→${p.b} ${p.similarity}`).sort()).toEqual(everyPair(records, probes, threshold, windowDays));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives a probe that is not among the records no pairs', async () => {
    const records = [
      { id: 'a', birthDay: 0, trigrams: ['x', 'y'] },
      { id: 'b', birthDay: 0, trigrams: ['x', 'y'] },
    ];
    expect(await similarNames(records, ['a', 'nobody'], { threshold: 0.6, windowDays: 1 })).toEqual([{ a: 'a', b: 'b', similarity: 1 }]);
  });
});

describe('the batch search against the single-case search, in PostgreSQL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  // Words that share letters, spelled with small changes, so that names meet at every similarity.
  const words = ['محمد', 'محمود', 'احمد', 'حامد', 'حمدي', 'علي', 'عليان', 'حسن', 'حسين', 'حسان', 'سلوم', 'سلامه', 'خالد', 'خلدون', 'عمر', 'عمار'];
  function variant(word: string): string {
    const at = randomInt(word.length);
    switch (randomInt(4)) {
      case 0:
        return word.slice(0, at) + word.slice(at + 1);
      case 1:
        return word.slice(0, at) + 'ي' + word.slice(at);
      default:
        return word;
    }
  }
  function name(): string {
    return Array.from({ length: 2 + randomInt(3) }, () => variant(words[randomInt(words.length)]!)).join(' ');
  }

  it('records the same pairs, graded the same, whether a batch is searched at once or case by case', async () => {
    // Births over three years and a bit: windows overlap, and some similar names fall just outside.
    const day = (n: number) => new Date(Date.UTC(1980, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
    const flood = name();
    const cases = [
      ...Array.from({ length: SEARCH_IN_MEMORY_FROM + 100 }, () => ({ name: name(), birth: day(randomInt(1_200)) })),
      // One name flooding one day: the per-case cap and its order are compared too.
      ...Array.from({ length: NAME_CANDIDATES_PER_CASE + 10 }, () => ({ name: flood, birth: day(600) })),
      // 29 February and the days a year either side of it.
      { name: 'خالد عمر حسن', birth: '1980-02-29' },
      { name: 'خالد عمر حسن', birth: '1981-02-28' },
      { name: 'خالد عمر حسن', birth: '1981-03-01' },
      // Two names of similarity 0.6 exactly (9 and 15 trigrams, 9 shared): the threshold itself.
      { name: 'محمد حامد محمد', birth: day(900), boundary: true },
      { name: 'محمد عليان حامد', birth: day(900), boundary: true },
      // A name that folds to nothing is similar to nothing.
      { name: '', birth: day(10) },
      { name: '', birth: day(10) },
    ]
      // Other rules too, so that some pairs are found by a rule and by their names at once: an ID shared
      // by every seventh case and the one seven after it, a service number by every eleventh and the
      // one eleven after it, and a few Latin names that many cases share.
      .map((c, i) => ({
        ...c,
        id: randomUUID(),
        nationalId: i % 7 === 0 ? `${55_500_000_000 + Math.floor(i / 14)}` : null,
        serviceNumber: i % 11 === 0 ? `SN${Math.floor(i / 22)}` : null,
        latin: i % 5 === 0 ? ['ahmad ali', 'omar hasan', 'khaled omar'][i % 3]! : null,
      }));
    await t.database.db.insert(applications).values(cases.map((c) => ({ id: c.id, reference: `MOI-SIMILAR-${c.id}`, ministry: 'interior', channel: 'walk_in' as const })));
    await t.database.db.insert(applicants).values(
      cases.map((c) => ({
        applicationId: c.id,
        fullNameAr: c.name === '' ? 'ال' : c.name,
        nameArFolded: c.name,
        birthDate: c.birth,
        nationalId: c.nationalId,
        serviceNumber: c.serviceNumber,
        fullNameLatin: c.latin,
        nameLatinFolded: c.latin,
        sex: 'male' as const,
        branch: 'army',
        rank: 'captain',
        specializations: ['infantry'],
        separationKind: 'defected',
      })),
    );
    const ids = cases.map((c) => c.id);

    /** Flags `ids` in the given chunks (each pair found from either side is recorded), returns what was recorded, and leaves nothing behind. */
    async function flagged(chunks: readonly (readonly string[])[]) {
      let recorded: Record<string, unknown>[] = [];
      await t.database.db
        .transaction(async (tx) => {
          for (const chunk of chunks) counts.push(await flagDuplicates(tx, chunk, { fresh: true }));
          recorded = await queryRows(
            tx,
            sql`select application_id, candidate_id, grade, evidence from duplicate_candidates order by application_id, candidate_id`,
          );
          tx.rollback();
        })
        .catch((error: unknown) => {
          if (!(error instanceof Error) || !/rollback/i.test(error.message)) throw error;
        });
      return recorded;
    }

    const counts: { flagged: number; pairs: number }[] = [];
    const atOnce = await flagged([ids]);
    // Each pair counted once, whichever rules found it, as it is recorded once.
    expect(counts).toEqual([{ flagged: new Set(atOnce.flatMap((row) => [row.application_id, row.candidate_id])).size, pairs: atOnce.length }]);
    const chunk = Math.floor(SEARCH_IN_MEMORY_FROM / 2);
    const caseByCase = await flagged(Array.from({ length: Math.ceil(ids.length / chunk) }, (_, i) => ids.slice(i * chunk, (i + 1) * chunk)));
    expect(caseByCase.length).toBeGreaterThan(1_000);
    expect(caseByCase.some((row) => JSON.stringify(row.evidence).includes('"similar"'))).toBe(true);
    for (const field of ['nationalId', 'serviceNumber', 'fullNameLatin']) {
      expect(caseByCase.some((row) => JSON.stringify(row.evidence).includes(`"field":"${field}"`)), field).toBe(true);
    }
    // Found by a rule and by their names alike.
    expect(
      caseByCase.some((row) => {
        const evidence = JSON.stringify(row.evidence);
        return evidence.includes('"nationalId"') && evidence.includes('"fullNameAr"');
      }),
    ).toBe(true);
    expect(atOnce).toEqual(caseByCase);
    const [x, y] = cases
      .filter((c) => 'boundary' in c)
      .map((c) => c.id)
      .sort();
    expect(atOnce.find((row) => row.application_id === x && row.candidate_id === y)?.evidence).toContainEqual({ field: 'fullNameAr', how: 'similar', similarity: 0.6 });
  });
});
