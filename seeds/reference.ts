import type { GovernorateCode, MinistryCode, RankCode } from '../src/modules/reference/reference.codes.js';

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
