import { foldArabic, foldLatin, type ApplicantInput } from './applicant.fields.js';
import type { applicants } from './applicant.table.js';

/** The applicant columns that hold validated fields and their folded forms. */
export type ApplicantColumns = Partial<
  Pick<
    typeof applicants.$inferInsert,
    | 'fullNameAr'
    | 'nameArFolded'
    | 'fullNameLatin'
    | 'nameLatinFolded'
    | 'motherNameAr'
    | 'birthDate'
    | 'birthPlace'
    | 'sex'
    | 'nationalId'
    | 'serviceNumber'
    | 'phone'
    | 'email'
    | 'emailFolded'
    | 'residenceCountry'
    | 'residenceCity'
    | 'insideSyria'
    | 'branch'
    | 'rank'
    | 'specializations'
    | 'educationDegree'
    | 'educationField'
    | 'educationFieldFolded'
    | 'separationKind'
    | 'separationDate'
    | 'lastUnit'
    | 'yearsOfService'
    | 'preferredGovernorates'
  >
>;

/**
 * The columns an applicant's validated fields are stored in (only the fields given). Assigned one by
 * one rather than spread: bulk inserts run it for every row, and two dozen spreads cost five times more.
 */
export function applicantColumns(a: Partial<ApplicantInput>): ApplicantColumns {
  const c: ApplicantColumns = {};
  if (a.fullNameAr !== undefined) {
    c.fullNameAr = a.fullNameAr;
    c.nameArFolded = foldArabic(a.fullNameAr);
  }
  if (a.fullNameLatin !== undefined) {
    c.fullNameLatin = a.fullNameLatin;
    c.nameLatinFolded = foldLatin(a.fullNameLatin);
  }
  if (a.motherNameAr !== undefined) c.motherNameAr = a.motherNameAr;
  if (a.birthDate !== undefined) c.birthDate = a.birthDate;
  if (a.birthPlace !== undefined) c.birthPlace = a.birthPlace;
  if (a.sex !== undefined) c.sex = a.sex;
  if (a.nationalId !== undefined) c.nationalId = a.nationalId;
  if (a.serviceNumber !== undefined) c.serviceNumber = a.serviceNumber;
  if (a.phone !== undefined) c.phone = a.phone;
  if (a.email !== undefined) {
    c.email = a.email;
    c.emailFolded = a.email.toLowerCase();
  }
  if (a.residenceCountry !== undefined) c.residenceCountry = a.residenceCountry;
  if (a.residenceCity !== undefined) c.residenceCity = a.residenceCity;
  if (a.insideSyria !== undefined) c.insideSyria = a.insideSyria;
  if (a.branch !== undefined) c.branch = a.branch;
  if (a.rank !== undefined) c.rank = a.rank;
  if (a.specializations !== undefined) c.specializations = a.specializations;
  if (a.education !== undefined) {
    c.educationDegree = a.education.degree;
    c.educationField = a.education.field ?? null;
    c.educationFieldFolded = a.education.field?.toLowerCase() ?? null;
  }
  if (a.separationKind !== undefined) c.separationKind = a.separationKind;
  if (a.separationDate !== undefined) c.separationDate = a.separationDate;
  if (a.lastUnit !== undefined) c.lastUnit = a.lastUnit;
  if (a.yearsOfService !== undefined) c.yearsOfService = a.yearsOfService;
  if (a.preferredGovernorates !== undefined) c.preferredGovernorates = a.preferredGovernorates;
  return c;
}
