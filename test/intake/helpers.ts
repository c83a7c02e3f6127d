import { randomInt } from 'node:crypto';

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
