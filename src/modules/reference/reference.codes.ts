/**
 * Stable codes that clients rely on (API.md, "Codes and field names"). Names shown to people live
 * in seeds/reference.ts; a test checks that the two agree.
 */
export const MINISTRY_CODES = ['interior', 'defense'] as const;
export type MinistryCode = (typeof MINISTRY_CODES)[number];

/** Junior to senior: the array index is the rank's place on the ladder. */
export const RANK_CODES = [
  'private',
  'private_first_class',
  'corporal',
  'sergeant',
  'staff_sergeant',
  'warrant_officer',
  'chief_warrant_officer',
  'second_lieutenant',
  'first_lieutenant',
  'captain',
  'major',
  'lieutenant_colonel',
  'colonel',
  'brigadier_general',
  'major_general',
  'general',
] as const;
export type RankCode = (typeof RANK_CODES)[number];

export const GOVERNORATE_CODES = [
  'damascus',
  'rif_dimashq',
  'aleppo',
  'homs',
  'hama',
  'latakia',
  'tartus',
  'idlib',
  'deir_ez_zor',
  'raqqa',
  'hasakah',
  'daraa',
  'suwayda',
  'quneitra',
] as const;
export type GovernorateCode = (typeof GOVERNORATE_CODES)[number];

export const BRANCH_CODES = ['army', 'air_force', 'air_defense', 'navy', 'police', 'internal_security'] as const;
export type BranchCode = (typeof BRANCH_CODES)[number];

export const SEPARATION_KIND_CODES = ['defected', 'dismissed_security', 'dismissed_political'] as const;
export type SeparationKindCode = (typeof SEPARATION_KIND_CODES)[number];

export const DEGREE_CODES = ['none', 'primary', 'secondary', 'vocational', 'diploma', 'bachelor', 'master', 'doctorate'] as const;
export type DegreeCode = (typeof DEGREE_CODES)[number];

export const SEX_CODES = ['male', 'female'] as const;
export type SexCode = (typeof SEX_CODES)[number];

export const DOCUMENT_KIND_CODES = ['national_id', 'service_id', 'degree', 'proof_of_separation', 'other'] as const;
export const DECISION_REASON_CODES = [
  'meets_criteria',
  'requalification_needed',
  'long_absence',
  'age_for_rank',
  'documents_insufficient',
  'identity_unverified',
  'allegation_substantiated',
  'did_not_attend',
] as const;
export const FLAG_KIND_CODES = ['identity_mismatch', 'document_doubt', 'allegation', 'duplicate_suspected', 'security_check', 'other'] as const;

/** The code lists served at GET /reference/<list> (besides ranks, specializations, governorates, ministries). */
export const CODE_LISTS = ['countries', 'branches', 'separation-kinds', 'degrees', 'document-kinds', 'decision-reasons', 'flag-kinds'] as const;
export type CodeList = (typeof CODE_LISTS)[number];
