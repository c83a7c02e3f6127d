import { defineError } from '../../http/errors.js';
import type { PasswordProblem } from './password.js';

export const userNotFound = defineError({
  code: 'user.not_found',
  status: 404,
  en: 'The user was not found.',
  ar: 'لم يُعثر على المستخدم.',
});

export const emailTaken = defineError({
  code: 'user.email_taken',
  status: 409,
  en: 'An account with this email already exists.',
  ar: 'يوجد حساب بهذا البريد الإلكتروني.',
});

export const lastAdmin = defineError({
  code: 'user.last_admin',
  status: 409,
  en: 'This is the last active administrator: it cannot be disabled or given another role.',
  ar: 'هذا آخر مسؤول نشط: لا يمكن تعطيله أو تغيير دوره.',
});

export const selfChangeForbidden = defineError({
  code: 'user.self_change_forbidden',
  status: 403,
  en: 'You cannot change your own role, ministry, active flag or second factor.',
  ar: 'لا يمكنك تغيير دورك أو وزارتك أو حالة حسابك أو المصادقة الثنائية الخاصة بك.',
});

export const ministryRequired = defineError({
  code: 'user.ministry_required',
  status: 400,
  en: 'This role needs a ministry.',
  ar: 'يتطلب هذا الدور تحديد وزارة.',
  errors: [{ path: '/ministry', code: 'user.ministry_required' }],
});

export const ministryNotAllowed = defineError({
  code: 'user.ministry_not_allowed',
  status: 400,
  en: 'Administrators do not belong to a ministry.',
  ar: 'لا يتبع المسؤولون أي وزارة.',
  errors: [{ path: '/ministry', code: 'user.ministry_not_allowed' }],
});

export const unknownMinistry = defineError({
  code: 'user.unknown_ministry',
  status: 400,
  en: 'There is no such ministry.',
  ar: 'لا توجد وزارة بهذا الرمز.',
  errors: [{ path: '/ministry', code: 'user.unknown_ministry' }],
});

export const passwordTooShort = defineError({
  code: 'user.password_too_short',
  status: 400,
  en: 'The password must have at least 12 characters.',
  ar: 'يجب أن تتكون كلمة المرور من 12 حرفاً على الأقل.',
  errors: [{ path: '/password', code: 'user.password_too_short' }],
});

export const passwordTooLong = defineError({
  code: 'user.password_too_long',
  status: 400,
  en: 'The password must have at most 256 characters.',
  ar: 'يجب ألا تتجاوز كلمة المرور 256 حرفاً.',
  errors: [{ path: '/password', code: 'user.password_too_long' }],
});

export const passwordTooCommon = defineError({
  code: 'user.password_too_common',
  status: 400,
  en: 'This password is too common. Choose another one.',
  ar: 'كلمة المرور هذه شائعة جداً. اختر غيرها.',
  errors: [{ path: '/password', code: 'user.password_too_common' }],
});

const passwordErrors = { too_short: passwordTooShort, too_long: passwordTooLong, too_common: passwordTooCommon } satisfies Record<PasswordProblem, unknown>;

/** The 400 for a password that `passwordProblem` refused. */
export const passwordRejected = (problem: PasswordProblem) => passwordErrors[problem]();
