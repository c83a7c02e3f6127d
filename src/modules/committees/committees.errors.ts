import { defineError } from '../../http/errors.js';

export const committeeNotFound = defineError({
  code: 'committee.not_found',
  status: 404,
  en: 'The committee was not found.',
  ar: 'لم يُعثر على اللجنة.',
});

export const committeeMemberNotFound = defineError({
  code: 'committee_member.not_found',
  status: 404,
  en: 'This user is not a member of the committee.',
  ar: 'هذا المستخدم ليس عضواً في اللجنة.',
});

export const committeeNameTaken = defineError({
  code: 'committee.name_taken',
  status: 409,
  en: 'This ministry already has a committee with this name.',
  ar: 'يوجد لدى الوزارة لجنة بهذا الاسم.',
});

export const memberNotEligible = defineError({
  code: 'committee.member_not_eligible',
  status: 409,
  en: 'Only active committee members of the committee’s ministry can sit on it.',
  ar: 'لا يمكن أن ينضم إلى اللجنة إلا أعضاء لجان نشطون من وزارتها.',
});

export const committeeUnknownMinistry = defineError({
  code: 'committee.unknown_ministry',
  status: 400,
  en: 'There is no such ministry.',
  ar: 'لا توجد وزارة بهذا الرمز.',
  errors: [{ path: '/ministry', code: 'unknown_ministry' }],
});
