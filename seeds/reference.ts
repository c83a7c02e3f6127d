import isoCountries from 'i18n-iso-countries';
import type {
  BranchCode,
  CodeList,
  DEGREE_CODES,
  DECISION_REASON_CODES,
  DOCUMENT_KIND_CODES,
  FLAG_KIND_CODES,
  GovernorateCode,
  MinistryCode,
  RankCode,
  SeparationKindCode,
} from '../src/modules/reference/reference.codes.js';

/** Reference data, bilingual. Loaded idempotently at every start (src/modules/reference/reference.seed.ts). */

export const ministries: { code: MinistryCode; nameAr: string; nameEn: string; referencePrefix: string }[] = [
  { code: 'interior', nameAr: 'وزارة الداخلية', nameEn: 'Ministry of Interior', referencePrefix: 'MOI' },
  { code: 'defense', nameAr: 'وزارة الدفاع', nameEn: 'Ministry of Defense', referencePrefix: 'MOD' },
];

/** Junior to senior, the order of RANK_CODES. */
export const ranks: { code: RankCode; category: 'enlisted' | 'nco' | 'officer'; nameAr: string; nameEn: string }[] = [
  { code: 'private', category: 'enlisted', nameAr: 'جندي', nameEn: 'Private' },
  { code: 'private_first_class', category: 'enlisted', nameAr: 'جندي أول', nameEn: 'Private First Class' },
  { code: 'corporal', category: 'nco', nameAr: 'عريف', nameEn: 'Corporal' },
  { code: 'sergeant', category: 'nco', nameAr: 'رقيب', nameEn: 'Sergeant' },
  { code: 'staff_sergeant', category: 'nco', nameAr: 'رقيب أول', nameEn: 'Staff Sergeant' },
  { code: 'warrant_officer', category: 'nco', nameAr: 'مساعد', nameEn: 'Warrant Officer' },
  { code: 'chief_warrant_officer', category: 'nco', nameAr: 'مساعد أول', nameEn: 'Chief Warrant Officer' },
  { code: 'second_lieutenant', category: 'officer', nameAr: 'ملازم', nameEn: 'Second Lieutenant' },
  { code: 'first_lieutenant', category: 'officer', nameAr: 'ملازم أول', nameEn: 'First Lieutenant' },
  { code: 'captain', category: 'officer', nameAr: 'نقيب', nameEn: 'Captain' },
  { code: 'major', category: 'officer', nameAr: 'رائد', nameEn: 'Major' },
  { code: 'lieutenant_colonel', category: 'officer', nameAr: 'مقدم', nameEn: 'Lieutenant Colonel' },
  { code: 'colonel', category: 'officer', nameAr: 'عقيد', nameEn: 'Colonel' },
  { code: 'brigadier_general', category: 'officer', nameAr: 'عميد', nameEn: 'Brigadier General' },
  { code: 'major_general', category: 'officer', nameAr: 'لواء', nameEn: 'Major General' },
  { code: 'general', category: 'officer', nameAr: 'عماد', nameEn: 'General' },
];

export const governorates: { code: GovernorateCode; nameAr: string; nameEn: string }[] = [
  { code: 'damascus', nameAr: 'دمشق', nameEn: 'Damascus' },
  { code: 'rif_dimashq', nameAr: 'ريف دمشق', nameEn: 'Rif Dimashq' },
  { code: 'aleppo', nameAr: 'حلب', nameEn: 'Aleppo' },
  { code: 'homs', nameAr: 'حمص', nameEn: 'Homs' },
  { code: 'hama', nameAr: 'حماة', nameEn: 'Hama' },
  { code: 'latakia', nameAr: 'اللاذقية', nameEn: 'Latakia' },
  { code: 'tartus', nameAr: 'طرطوس', nameEn: 'Tartus' },
  { code: 'idlib', nameAr: 'إدلب', nameEn: 'Idlib' },
  { code: 'deir_ez_zor', nameAr: 'دير الزور', nameEn: 'Deir ez-Zor' },
  { code: 'raqqa', nameAr: 'الرقة', nameEn: 'Raqqa' },
  { code: 'hasakah', nameAr: 'الحسكة', nameEn: 'Al-Hasakah' },
  { code: 'daraa', nameAr: 'درعا', nameEn: 'Daraa' },
  { code: 'suwayda', nameAr: 'السويداء', nameEn: 'As-Suwayda' },
  { code: 'quneitra', nameAr: 'القنيطرة', nameEn: 'Quneitra' },
];

const both: MinistryCode[] = ['interior', 'defense'];
const defense: MinistryCode[] = ['defense'];
const interior: MinistryCode[] = ['interior'];

export const specializations: { code: string; nameAr: string; nameEn: string; ministries: MinistryCode[] }[] = [
  { code: 'infantry', nameAr: 'مشاة', nameEn: 'Infantry', ministries: defense },
  { code: 'armor', nameAr: 'مدرعات', nameEn: 'Armor', ministries: defense },
  { code: 'artillery', nameAr: 'مدفعية', nameEn: 'Artillery', ministries: defense },
  { code: 'air_defense', nameAr: 'دفاع جوي', nameEn: 'Air Defense', ministries: defense },
  { code: 'aviation', nameAr: 'طيران', nameEn: 'Aviation', ministries: defense },
  { code: 'naval', nameAr: 'بحرية', nameEn: 'Naval', ministries: defense },
  { code: 'engineering', nameAr: 'هندسة', nameEn: 'Engineering', ministries: defense },
  { code: 'signals', nameAr: 'إشارة', nameEn: 'Signals', ministries: both },
  { code: 'reconnaissance', nameAr: 'استطلاع', nameEn: 'Reconnaissance', ministries: defense },
  { code: 'special_forces', nameAr: 'قوات خاصة', nameEn: 'Special Forces', ministries: both },
  { code: 'logistics', nameAr: 'إمداد وتموين', nameEn: 'Logistics', ministries: both },
  { code: 'maintenance', nameAr: 'صيانة', nameEn: 'Maintenance', ministries: both },
  { code: 'medical', nameAr: 'خدمات طبية', nameEn: 'Medical', ministries: both },
  { code: 'military_police', nameAr: 'شرطة عسكرية', nameEn: 'Military Police', ministries: defense },
  { code: 'military_justice', nameAr: 'قضاء عسكري', nameEn: 'Military Justice', ministries: defense },
  { code: 'administration', nameAr: 'شؤون إدارية', nameEn: 'Administration', ministries: both },
  { code: 'training', nameAr: 'تدريب', nameEn: 'Training', ministries: both },
  { code: 'criminal_investigation', nameAr: 'أمن جنائي', nameEn: 'Criminal Investigation', ministries: interior },
  { code: 'traffic', nameAr: 'مرور', nameEn: 'Traffic', ministries: interior },
  { code: 'immigration_passports', nameAr: 'هجرة وجوازات', nameEn: 'Immigration and Passports', ministries: interior },
  { code: 'civil_registry', nameAr: 'أحوال مدنية', nameEn: 'Civil Registry', ministries: interior },
  { code: 'public_security', nameAr: 'أمن عام', nameEn: 'Public Security', ministries: interior },
  { code: 'anti_narcotics', nameAr: 'مكافحة المخدرات', nameEn: 'Anti-Narcotics', ministries: interior },
  { code: 'law', nameAr: 'حقوق (ضباط مجازون في الحقوق)', nameEn: 'Law (law-degree officers)', ministries: both },
  { code: 'facility_protection', nameAr: 'حماية المنشآت', nameEn: 'Facility Protection', ministries: interior },
  { code: 'riot_control', nameAr: 'حفظ النظام', nameEn: 'Riot Control and Public Order', ministries: interior },
  { code: 'border_guard', nameAr: 'حرس الحدود', nameEn: 'Border Guard', ministries: both },
  { code: 'cyber_security', nameAr: 'أمن المعلومات', nameEn: 'Cyber Security', ministries: both },
];

/** Pairs of related specializations; the seed stores both directions. */
export const specializationRelations: [string, string][] = [
  ['infantry', 'reconnaissance'],
  ['infantry', 'special_forces'],
  ['infantry', 'armor'],
  ['reconnaissance', 'special_forces'],
  ['armor', 'maintenance'],
  ['artillery', 'air_defense'],
  ['aviation', 'air_defense'],
  ['naval', 'border_guard'],
  ['engineering', 'maintenance'],
  ['signals', 'cyber_security'],
  ['logistics', 'administration'],
  ['logistics', 'maintenance'],
  ['military_police', 'public_security'],
  ['military_police', 'facility_protection'],
  ['military_justice', 'law'],
  ['administration', 'training'],
  ['criminal_investigation', 'anti_narcotics'],
  ['criminal_investigation', 'law'],
  ['criminal_investigation', 'public_security'],
  ['immigration_passports', 'civil_registry'],
  ['immigration_passports', 'border_guard'],
  ['public_security', 'riot_control'],
  ['public_security', 'facility_protection'],
  ['public_security', 'traffic'],
  ['special_forces', 'riot_control'],
];

interface Named<C extends string = string> {
  code: C;
  nameAr: string;
  nameEn: string;
}

export const branches: Named<BranchCode>[] = [
  { code: 'army', nameAr: 'القوات البرية', nameEn: 'Army' },
  { code: 'air_force', nameAr: 'القوات الجوية', nameEn: 'Air Force' },
  { code: 'air_defense', nameAr: 'الدفاع الجوي', nameEn: 'Air Defense' },
  { code: 'navy', nameAr: 'القوات البحرية', nameEn: 'Navy' },
  { code: 'police', nameAr: 'الشرطة', nameEn: 'Police' },
  { code: 'internal_security', nameAr: 'الأمن الداخلي', nameEn: 'Internal Security' },
];

export const separationKinds: Named<SeparationKindCode>[] = [
  { code: 'defected', nameAr: 'انشقاق', nameEn: 'Defected' },
  { code: 'dismissed_security', nameAr: 'فصل لأسباب أمنية', nameEn: 'Dismissed for security reasons' },
  { code: 'dismissed_political', nameAr: 'فصل لأسباب سياسية', nameEn: 'Dismissed for political reasons' },
];

export const degrees: Named<(typeof DEGREE_CODES)[number]>[] = [
  { code: 'none', nameAr: 'بدون شهادة', nameEn: 'None' },
  { code: 'primary', nameAr: 'ابتدائية', nameEn: 'Primary school' },
  { code: 'secondary', nameAr: 'ثانوية', nameEn: 'Secondary school' },
  { code: 'vocational', nameAr: 'شهادة مهنية', nameEn: 'Vocational certificate' },
  { code: 'diploma', nameAr: 'دبلوم', nameEn: 'Diploma' },
  { code: 'bachelor', nameAr: 'إجازة جامعية', nameEn: "Bachelor's degree" },
  { code: 'master', nameAr: 'ماجستير', nameEn: "Master's degree" },
  { code: 'doctorate', nameAr: 'دكتوراه', nameEn: 'Doctorate' },
];

export const documentKinds: Named<(typeof DOCUMENT_KIND_CODES)[number]>[] = [
  { code: 'national_id', nameAr: 'البطاقة الشخصية', nameEn: 'National ID card' },
  { code: 'service_id', nameAr: 'البطاقة العسكرية أو بطاقة الخدمة', nameEn: 'Service ID' },
  { code: 'degree', nameAr: 'شهادة دراسية', nameEn: 'Degree certificate' },
  { code: 'proof_of_separation', nameAr: 'إثبات الانشقاق أو الفصل', nameEn: 'Proof of defection or dismissal' },
  { code: 'other', nameAr: 'وثيقة أخرى', nameEn: 'Other document' },
];

export const decisionReasons: Named<(typeof DECISION_REASON_CODES)[number]>[] = [
  { code: 'meets_criteria', nameAr: 'يستوفي المعايير', nameEn: 'Meets the criteria' },
  { code: 'requalification_needed', nameAr: 'يحتاج إلى إعادة تأهيل', nameEn: 'Requalification needed' },
  { code: 'long_absence', nameAr: 'انقطاع طويل عن الخدمة', nameEn: 'Long absence from service' },
  { code: 'age_for_rank', nameAr: 'العمر لا يناسب الرتبة', nameEn: 'Age does not suit the rank' },
  { code: 'documents_insufficient', nameAr: 'الوثائق غير كافية', nameEn: 'Documents insufficient' },
  { code: 'identity_unverified', nameAr: 'تعذر التحقق من الهوية', nameEn: 'Identity not verified' },
  { code: 'allegation_substantiated', nameAr: 'ثبوت ادعاء بحقه', nameEn: 'Allegation substantiated' },
  { code: 'did_not_attend', nameAr: 'لم يحضر المقابلة', nameEn: 'Did not attend' },
];

export const flagKinds: Named<(typeof FLAG_KIND_CODES)[number]>[] = [
  { code: 'identity_mismatch', nameAr: 'تعارض في بيانات الهوية', nameEn: 'Identity mismatch' },
  { code: 'document_doubt', nameAr: 'شك في صحة وثيقة', nameEn: 'Doubtful document' },
  { code: 'allegation', nameAr: 'ادعاء بانتهاك', nameEn: 'Allegation of abuse' },
  { code: 'duplicate_suspected', nameAr: 'اشتباه بملف مكرر', nameEn: 'Suspected duplicate' },
  { code: 'security_check', nameAr: 'تدقيق أمني', nameEn: 'Security check' },
  { code: 'other', nameAr: 'سبب آخر', nameEn: 'Other' },
];

/** ISO 3166-1 alpha-2, names from i18n-iso-countries (CLDR), sorted by code. */
export const countries: Named[] = Object.keys(isoCountries.getAlpha2Codes())
  .sort()
  .map((code) => ({ code, nameAr: isoCountries.getName(code, 'ar') ?? code, nameEn: isoCountries.getName(code, 'en') ?? code }));

export const codeLists: Record<CodeList, Named[]> = {
  countries,
  branches,
  'separation-kinds': separationKinds,
  degrees,
  'document-kinds': documentKinds,
  'decision-reasons': decisionReasons,
  'flag-kinds': flagKinds,
};

/**
 * Consent texts, oldest first; the last is current. A changed text is a new version (published texts
 * never change, since registrations name the version they accepted).
 */
export const consentTexts: { version: string; textAr: string; textEn: string }[] = [
  {
    version: '2025-01',
    textAr:
      'أوافق على أن تحفظ الوزارة البيانات التي أقدمها في هذا الطلب وتعالجها لغرض دراسة طلب عودتي إلى الخدمة فقط. ' +
      'لن تُشارك بياناتي مع أي جهة خارج لجان الدراسة المختصة إلا بموجب القانون. يمكنني سحب طلبي في أي وقت قبل صدور القرار النهائي.',
    textEn:
      'I agree that the ministry keeps and processes the data I give in this application solely to review my application to return to service. ' +
      'My data will not be shared with anyone outside the reviewing committees except as the law requires. I may withdraw my application at any time before the final decision.',
  },
];
