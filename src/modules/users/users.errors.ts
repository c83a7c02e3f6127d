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

export const invalidActivationCode = defineError({
  code: 'activation.invalid_code',
  status: 400,
  en: 'The activation code is not valid, was already used or has expired. Ask for a new one.',
  ar: 'رمز التفعيل غير صالح أو سبق استخدامه أو انتهت صلاحيته. اطلب رمزاً جديداً.',
  errors: [{ path: '/code', code: 'activation.invalid_code' }],
});

export const resetNotFound = defineError({
  code: 'user.reset_not_found',
  status: 404,
  en: 'There is no pending reset with this id for this account.',
  ar: 'لا يوجد طلب إعادة تعيين معلّق بهذا المعرّف لهذا الحساب.',
});

export const resetNeedsSecondAdmin = defineError({
  code: 'user.reset_needs_second_admin',
  status: 409,
  en: 'An auditor account is reset only when a second administrator confirms: request the reset, then have another administrator confirm it.',
  ar: 'لا يُعاد تعيين حساب مدقق إلا بتأكيد مسؤول ثانٍ: اطلب إعادة التعيين ثم دع مسؤولاً آخر يؤكدها.',
});

export const resetConfirmedBySameAdmin = defineError({
  code: 'user.reset_same_admin',
  status: 403,
  en: 'Another administrator must confirm the reset you requested.',
  ar: 'يجب أن يؤكد مسؤول آخر طلب إعادة التعيين الذي قدّمته.',
});
