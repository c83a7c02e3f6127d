import { randomInt } from 'node:crypto';
import { eq, or } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import { duplicateCandidates } from '../../src/modules/applications/applicant.table.js';

/** A valid applicant (API.md example) with a fresh national ID and service number. */
export function applicantBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    fullNameAr: 'محمد أحمد الحموي',
    fullNameLatin: 'Mohammad Ahmad Al-Hamwi',
    motherNameAr: 'فاطمة',
    birthDate: '1980-05-14',
    birthPlace: 'حماة',
    sex: 'male',
    nationalId: String(randomInt(10_000_000_000, 99_999_999_999)),
    serviceNumber: `A${randomInt(1e11, 1e12 - 1)}`,
    phone: '+905551234567',
    email: 'm.hamwi@example.org',
    residenceCountry: 'TR',
    residenceCity: 'Gaziantep',
    insideSyria: false,
    branch: 'police',
    rank: 'captain',
    specializations: ['law', 'criminal_investigation'],
    education: { degree: 'bachelor', field: 'law' },
    separationKind: 'defected',
    separationDate: '2012-07-01',
    lastUnit: 'Hama police command',
    yearsOfService: 9,
    preferredGovernorates: ['hama', 'damascus'],
    ...overrides,
  };
}

/** `date` shifted by whole years (UTC), as YYYY-MM-DD. */
export function yearsAgo(years: number, days = 0): string {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() - years);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const ARABIC_LETTERS = 'بتثجحخدذرزسشصضطظعغفقكلمنهوي';
const LATIN_LETTERS = 'bcdfghjklmnpqrstvwxz';

function randomWord(letters: string, length: number): string {
  return Array.from({ length }, () => letters[randomInt(letters.length)]).join('');
}

/**
 * Names no other case shares (random letters: no trigram in common with another name to speak of),
 * so a test's case is nobody's probable duplicate unless the test makes it one. The birth date is the
 * caller's: birth dates decide `possible` too.
 */
export function distinctNames(): { fullNameAr: string; fullNameLatin: string } {
  const latin = () => {
    const word = randomWord(LATIN_LETTERS, 6);
    return word[0]!.toUpperCase() + word.slice(1);
  };
  return {
    fullNameAr: Array.from({ length: 3 }, () => randomWord(ARABIC_LETTERS, 5)).join(' '),
    fullNameLatin: `${latin()} ${latin()} ${latin()}`,
  };
}

/** A case's recorded probable duplicates, from either side of the pairs that name it (one row per pair). */
export async function recordedCandidates(db: Db, id: string): Promise<{ candidateId: string; grade: string; evidence: unknown }[]> {
  const rows = await db
    .select()
    .from(duplicateCandidates)
    .where(or(eq(duplicateCandidates.applicationId, id), eq(duplicateCandidates.candidateId, id)));
  return rows.map((row) => ({ candidateId: row.applicationId === id ? row.candidateId : row.applicationId, grade: row.grade, evidence: row.evidence }));
}

/** The recorded pair of two cases, whichever way they are given. */
export async function recordedPair(db: Db, a: string, b: string): Promise<{ grade: string } | undefined> {
  return (await recordedCandidates(db, a)).find((c) => c.candidateId === b);
}
