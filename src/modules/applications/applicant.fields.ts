import isoCountries from 'i18n-iso-countries';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';
import * as seed from '../../../seeds/reference.js';
import { BRANCH_CODES, DEGREE_CODES, GOVERNORATE_CODES, RANK_CODES, SEPARATION_KIND_CODES, SEX_CODES } from '../reference/reference.codes.js';

/**
 * The applicant fields (DESIGN §4, API.md "Applicant fields"), one schema for every way a case comes
 * in: registration through a link, walk-in entry and (later) import. Values are cleaned before they
 * are checked, so what is stored is what was checked: text NFC-normalized and stripped of control and
 * format (zero-width, bidi) characters; Arabic-Indic and Persian digits turned into ASCII in IDs,
 * numbers, phones and dates. Objects are strict: a field the API does not know (religion, sect,
 * ethnicity, or anything else) is refused, so nothing of it is ever stored.
 */

export const SPECIALIZATION_CODES: readonly string[] = seed.specializations.map((s) => s.code);

/** Separations before the uprising are not what this programme is for (DESIGN §1). */
export const SEPARATION_EARLIEST = '2011-03-01';
export const AGE_MIN = 18;
export const AGE_MAX = 75;

/**
 * A refinement's message in both languages: English as the issue's message, Arabic in its params
 * (src/http/i18n.ts shows the one the caller asked for), and a stable code for clients.
 */
function say(en: string, ar: string, code: string): { message: string; params: { code: string; ar: string } } {
  return { message: en, params: { code, ar } };
}

const ARABIC_INDIC = /[\u0660-\u0669]/g;
const PERSIAN = /[\u06F0-\u06F9]/g;
/** Control characters, format characters (zero-width, joiners, bidi overrides, BOM, soft hyphen). */
const INVISIBLE = /[\p{Cc}\p{Cf}]/gu;

export function asciiDigits(value: string): string {
  return value.replace(ARABIC_INDIC, (d) => String(d.charCodeAt(0) - 0x0660)).replace(PERSIAN, (d) => String(d.charCodeAt(0) - 0x06f0));
}

/** Printable ASCII words with single spaces between them: text `cleanText` would give back as it is. */
const CLEAN_ASCII = /^[\x21-\x7E]+(?: [\x21-\x7E]+)*$/;

/** NFC, no control or zero-width characters, whitespace runs collapsed, trimmed. */
export function cleanText(value: string): string {
  if (CLEAN_ASCII.test(value)) return value;
  return value.normalize('NFC').replace(/[\t\n\r\v\f\u00A0\u2000-\u200A\u2028\u2029\u3000]/g, ' ').replace(INVISIBLE, '').replace(/ {2,}/g, ' ').trim();
}

const text = (max: number) => z.string().max(max * 4).transform(cleanText).pipe(z.string().min(1).max(max));

const LATIN = /\p{Script=Latin}/u;
const ARABIC = /\p{Script=Arabic}/u;
/** Arabic letters and marks, tatweel (Common script, typed for display), spaces and the punctuation names carry; no Latin, no digits. */
const ARABIC_NAME = /^[\p{Script=Arabic}\p{M}\u0640 .'\-()]+$/u;
const LATIN_NAME = /^[\p{Script=Latin}\p{M} .'\-()]+$/u;

const arabicName = (max: number) =>
  text(max)
    .refine((v) => !LATIN.test(v), say('Latin letters are not allowed here; write the name in Arabic script', 'لا يُقبل هنا حرف لاتيني؛ اكتب الاسم بالحروف العربية', 'script_arabic'))
    .refine((v) => ARABIC_NAME.test(v) && ARABIC.test(v), say('Write the name in Arabic script', 'اكتب الاسم بالحروف العربية', 'script_arabic'));

const latinName = (max: number) =>
  text(max)
    .refine((v) => !ARABIC.test(v), say('Arabic letters are not allowed here; write the name in Latin script', 'لا يُقبل هنا حرف عربي؛ اكتب الاسم بالحروف اللاتينية', 'script_latin'))
    .refine((v) => LATIN_NAME.test(v) && LATIN.test(v), say('Write the name in Latin script', 'اكتب الاسم بالحروف اللاتينية', 'script_latin'));

/** Digits typed on an Arabic keyboard become ASCII before anything else looks at the value. */
const digitsFirst = (max: number) => z.string().max(max).transform((v) => asciiDigits(cleanText(v)));

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Days in each month of a common year. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** YYYY-MM-DD naming a day of the proleptic Gregorian calendar (what `Date` accepts), by arithmetic: no Date per value. */
export function isCalendarDate(v: string): boolean {
  const parts = ISO_DATE.exec(v);
  if (!parts) return false;
  const year = Number(parts[1]);
  const month = Number(parts[2]);
  const day = Number(parts[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : MONTH_DAYS[month - 1]!);
}
const calendarDate = digitsFirst(20).pipe(z.string().refine(isCalendarDate, say('A date as YYYY-MM-DD', 'تاريخ صحيح بالصيغة سنة-شهر-يوم', 'date')));

const DAY_MS = 86_400_000;
/** The last day `today` formatted, and its text: a bulk validation reads the clock per value, not a Date each. */
const formatted = { day: Number.NaN, text: '' };
/** Today in UTC as YYYY-MM-DD (the clock is read at validation time). */
function today(): string {
  const day = Math.floor(Date.now() / DAY_MS);
  if (day !== formatted.day) {
    formatted.text = new Date(day * DAY_MS).toISOString().slice(0, 10);
    formatted.day = day;
  }
  return formatted.text;
}
function yearsBefore(date: string, years: number): string {
  return `${String(Number(date.slice(0, 4)) - years).padStart(4, '0')}${date.slice(4)}`;
}

const birthDate = calendarDate.refine(
  (v) => {
    const now = today();
    // Age in whole years between AGE_MIN and AGE_MAX today.
    return v <= yearsBefore(now, AGE_MIN) && v > yearsBefore(now, AGE_MAX + 1);
  },
  say(`Age must be between ${AGE_MIN} and ${AGE_MAX}`, `يجب أن يكون العمر بين ${AGE_MIN} و${AGE_MAX} سنة`, 'age_out_of_range'),
);

const separationDate = calendarDate.refine((v) => v >= SEPARATION_EARLIEST && v <= today(), {
  ...say(`The separation date must fall between ${SEPARATION_EARLIEST} and today`, `يجب أن يقع تاريخ الانفصال بين ${SEPARATION_EARLIEST} واليوم`, 'date_out_of_range'),
});

const nationalId = digitsFirst(40)
  .transform((v) => v.replace(/[\s-]/g, ''))
  .pipe(z.string().refine((v) => /^\d{11}$/.test(v), say('The national ID has 11 digits', 'الرقم الوطني من 11 رقماً', 'national_id')));

const serviceNumber = digitsFirst(80)
  .transform((v) => v.replace(/[\s-]/g, '').toUpperCase())
  .pipe(z.string().refine((v) => /^[A-Z0-9]{3,20}$/.test(v), say('The service number has 3 to 20 letters and digits', 'الرقم العسكري من 3 إلى 20 حرفاً أو رقماً', 'service_number')));

const phone = digitsFirst(40)
  .transform((v) => v.replace(/[\s\-().]/g, '').replace(/^00/, '+'))
  .pipe(
    z.string().transform((v, ctx) => {
      const parsed = v.startsWith('+') ? parsePhoneNumberFromString(v) : undefined;
      if (!parsed?.isValid()) {
        ctx.addIssue({ code: 'custom', ...say('A phone number in international form, e.g. +905551234567', 'رقم هاتف بالصيغة الدولية، مثل +905551234567', 'phone') });
        return z.NEVER;
      }
      return parsed.number;
    }),
  );

const email = z
  .string()
  .max(400)
  .transform(cleanText)
  .pipe(z.email({ message: 'An email address' }).max(254));

const country = z
  .string()
  .max(10)
  .transform((v) => cleanText(v).toUpperCase())
  .pipe(z.string().refine((v) => /^[A-Z]{2}$/.test(v) && isoCountries.isValid(v), say('An ISO 3166-1 alpha-2 country code', 'رمز بلد من حرفين حسب المعيار الدولي، مثل TR', 'country')));

const specialization = z.string().refine((v) => SPECIALIZATION_CODES.includes(v), say('Unknown specialization', 'اختصاص غير معروف', 'unknown_code'));

function unique(values: readonly string[]): boolean {
  return new Set(values).size === values.length;
}

const education = z.strictObject({
  degree: z.enum(DEGREE_CODES),
  /** Free text, e.g. "law"; filtered by its lower-cased form. */
  field: text(100).optional(),
});

/** Every applicant field, each optional: the building block of the create and patch shapes. */
const fieldShape = {
  fullNameAr: arabicName(150),
  fullNameLatin: latinName(150),
  motherNameAr: arabicName(100),
  birthDate,
  birthPlace: text(100),
  sex: z.enum(SEX_CODES),
  nationalId,
  serviceNumber,
  phone,
  email,
  residenceCountry: country,
  residenceCity: text(100),
  insideSyria: z.boolean(),
  branch: z.enum(BRANCH_CODES),
  rank: z.enum(RANK_CODES),
  specializations: z.array(specialization).min(1).max(10).refine(unique, say('Each specialization once', 'يُذكر كل اختصاص مرة واحدة', 'repeated')),
  education,
  separationKind: z.enum(SEPARATION_KIND_CODES),
  separationDate,
  lastUnit: text(200),
  yearsOfService: z.number().int().min(0).max(60),
  preferredGovernorates: z.array(z.enum(GOVERNORATE_CODES)).max(GOVERNORATE_CODES.length).refine(unique, say('Each governorate once', 'تُذكر كل محافظة مرة واحدة', 'repeated')),
} as const;

/** Identity fields: changed by the applicant only while the case is `submitted` (DESIGN §4). */
export const IDENTITY_FIELDS = [
  'fullNameAr',
  'fullNameLatin',
  'motherNameAr',
  'birthDate',
  'birthPlace',
  'sex',
  'nationalId',
  'serviceNumber',
  'branch',
  'rank',
  'specializations',
  'education',
  'separationKind',
  'separationDate',
  'lastUnit',
  'yearsOfService',
  'preferredGovernorates',
] as const;
/** Contact and residence: changed by the applicant any time before the case is final. */
export const CONTACT_FIELDS = ['phone', 'email', 'residenceCountry', 'residenceCity', 'insideSyria'] as const;

const REQUIRED = ['fullNameAr', 'birthDate', 'sex', 'branch', 'rank', 'specializations', 'separationKind'] as const;

type Shape = typeof fieldShape;
type Required_ = (typeof REQUIRED)[number];

const createShape = Object.fromEntries(
  Object.entries(fieldShape).map(([key, schema]) => [key, (REQUIRED as readonly string[]).includes(key) ? schema : schema.optional()]),
) as { [K in keyof Shape]: K extends Required_ ? Shape[K] : z.ZodOptional<Shape[K]> };

/** Checks across fields: insideSyria agrees with the country of residence. */
export function crossChecks(value: { insideSyria?: boolean | undefined; residenceCountry?: string | undefined }, ctx: z.RefinementCtx) {
  if (value.insideSyria !== undefined && value.residenceCountry !== undefined && value.insideSyria !== (value.residenceCountry === 'SY')) {
    ctx.addIssue({ code: 'custom', path: ['insideSyria'], ...say('insideSyria and residenceCountry disagree', 'الإقامة داخل سوريا لا تتفق مع بلد الإقامة', 'inconsistent') });
  }
}

/** A new case needs at least one of national ID or service number (DESIGN §4). */
export function requireIdentity(value: { nationalId?: string | undefined; serviceNumber?: string | undefined }, ctx: z.RefinementCtx) {
  if (value.nationalId === undefined && value.serviceNumber === undefined) {
    ctx.addIssue({ code: 'custom', path: ['nationalId'], ...say('Give a national ID or a service number', 'اذكر الرقم الوطني أو الرقم العسكري', 'required') });
  }
}

/** Registration through a link also needs a way to reach the officer (DESIGN §4). */
export function requireContact(value: { phone?: string | undefined; email?: string | undefined }, ctx: z.RefinementCtx) {
  if (value.phone === undefined && value.email === undefined) {
    ctx.addIssue({ code: 'custom', path: ['phone'], ...say('Give a phone number or an email address', 'اذكر رقم هاتف أو بريداً إلكترونياً', 'required') });
  }
}

/** The fields of a new case, required ones required: to spread into a body schema with more fields. */
export const applicantShape = createShape;

/** The applicant of a new case (walk-in, import). */
export const applicantInput = z.strictObject(createShape).superRefine((value, ctx) => {
  requireIdentity(value, ctx);
  crossChecks(value, ctx);
});
export type ApplicantInput = z.infer<typeof applicantInput>;

/** A correction: any subset of the fields, none of them cleared. */
export const applicantPatch = z.strictObject(fieldShape).partial().superRefine(crossChecks);
export type ApplicantPatch = z.infer<typeof applicantPatch>;

/** The applicant as the full case returns it. */
export const applicantOutput = z.object({
  fullNameAr: z.string(),
  fullNameLatin: z.string().nullable(),
  motherNameAr: z.string().nullable(),
  birthDate: z.string(),
  birthPlace: z.string().nullable(),
  sex: z.enum(SEX_CODES),
  nationalId: z.string().nullable(),
  serviceNumber: z.string().nullable(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  residenceCountry: z.string().nullable(),
  residenceCity: z.string().nullable(),
  insideSyria: z.boolean().nullable(),
  branch: z.enum(BRANCH_CODES),
  rank: z.enum(RANK_CODES),
  specializations: z.array(z.string()),
  education: z.object({ degree: z.enum(DEGREE_CODES), field: z.string().optional() }).nullable(),
  separationKind: z.enum(SEPARATION_KIND_CODES),
  separationDate: z.string().nullable(),
  lastUnit: z.string().nullable(),
  yearsOfService: z.number().int().nullable(),
  preferredGovernorates: z.array(z.enum(GOVERNORATE_CODES)),
});
export type ApplicantOutput = z.infer<typeof applicantOutput>;

/** Harakat, shadda, sukun, superscript alef, Quranic annotation marks. */
const ARABIC_MARKS = /[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED]/g;
const TATWEEL = /\u0640/g;
/** Punctuation a name may carry (API.md): a word break for comparison. */
const NAME_PUNCTUATION = /[-.'()\u060C]/g;

/**
 * An Arabic name folded for comparison (DESIGN §7): alef forms أ إ آ ٱ → ا; ة → ه; ى → ي; ؤ → و and
 * ئ → ي; Persian ی ک → ي ك; diacritics and tatweel removed; spaces collapsed; the article ال ignored
 * (a leading ال of a word that keeps at least two letters without it, and a lone ال).
 */
export function foldArabic(value: string): string {
  return value
    .normalize('NFC')
    .replace(INVISIBLE, '')
    .replace(ARABIC_MARKS, '')
    .replace(TATWEEL, '')
    .replace(/[أإآٱ]/g, 'ا')
    .replace(/ة/g, 'ه')
    .replace(/[ىی]/g, 'ي')
    .replace(/ؤ/g, 'و')
    .replace(/ئ/g, 'ي')
    .replace(/ک/g, 'ك')
    .replace(NAME_PUNCTUATION, ' ')
    .split(/\s+/)
    .filter((w) => w !== '' && w !== 'ال')
    .map((w) => (w.startsWith('ال') && w.length > 3 ? w.slice(2) : w))
    .join(' ');
}

/** The article before a hyphen, in its written and its assimilated forms: al-, el-, ad-, ar-, ash- … */
const LATIN_ARTICLE_HYPHEN = /(^|[^\p{L}])(?:[ae](?:l|d|dh|n|r|s|sh|t|th|z))-(?=\p{L})/gu;
/** The article as a word of its own: "Muhammad al Hasan". */
const LATIN_ARTICLE_WORDS = new Set(['al', 'el']);
/** Every spelling of Muhammad that survives the other folds: Mohammad, Muhammad, Mohamed, Mohammed, Mouhamad … */
const MUHAMMAD = /^m[ou]h[ae]m[ae]d$/;

function foldLatinWord(word: string): string {
  const folded = word
    .replace(/ou/g, 'u')
    .replace(/oo/g, 'u')
    .replace(/ee/g, 'i')
    .replace(/(\p{L})\1+/gu, '$1');
  return MUHAMMAD.test(folded) ? 'muhamad' : folded;
}

/**
 * A Latin name folded for comparison (DESIGN §7): accents and case; the article (al-, el- and their
 * assimilated forms ad-, ash- …; a lone al or el) dropped; hyphens and other punctuation are word
 * breaks, apostrophes (ayn, hamza) vanish; transliteration variants folded: ou → u, oo → u, ee → i,
 * doubled letters single, and every spelling of Muhammad one.
 */
export function foldLatin(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(INVISIBLE, '')
    .toLowerCase()
    .replace(/['\u2019\u02BC\u02BE\u02BF`]/g, '')
    .replace(LATIN_ARTICLE_HYPHEN, '$1')
    .split(/[^\p{L}]+/u)
    .filter((w) => w !== '' && !LATIN_ARTICLE_WORDS.has(w))
    .map(foldLatinWord)
    .join(' ');
}
