import { type AppError, defineError, type ErrorFactory } from '../http/errors.js';

/**
 * A case the caller may not see answers exactly like a case that does not exist, so both come from
 * this one definition: services throw it for a missing case, the scope rules for a hidden one.
 */
export const applicationNotFound = defineError({
  code: 'application.not_found',
  status: 404,
  en: 'The application was not found.',
  ar: 'لم يُعثر على الطلب.',
});

/** The 404 of each entity type whose visibility the access rules decide. */
const hiddenEntities: Readonly<Record<string, ErrorFactory>> = { application: applicationNotFound };

/** The 404 for a record of `entity` out of the caller's scope; an entity without one is a programming error. */
export function notVisible(entity: string): AppError {
  const factory = hiddenEntities[entity];
  if (!factory) throw new Error(`no not-found error is defined for entity type "${entity}"`);
  return factory();
}

export const notCommitteeMember = defineError({
  code: 'committee.not_member',
  status: 403,
  en: 'Only members of the committee in charge may do this.',
  ar: 'لا يقوم بهذا إلا أعضاء اللجنة المختصة.',
});

export const notCommitteeChair = defineError({
  code: 'committee.not_chair',
  status: 403,
  en: 'Only the chair of the committee may do this.',
  ar: 'لا يقوم بهذا إلا رئيس اللجنة.',
});
