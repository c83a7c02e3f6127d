import { AppError, conflict, forbidden } from '../../http/errors.js';
import { registerMessages } from '../../http/i18n.js';
import type { PasswordProblem } from './password.js';

registerMessages({
  'user.email_taken': { en: 'An account with this email already exists.', ar: 'يوجد حساب بهذا البريد الإلكتروني.' },
  'user.last_admin': {
    en: 'This is the last active administrator: it cannot be disabled or given another role.',
    ar: 'هذا آخر مسؤول نشط: لا يمكن تعطيله أو تغيير دوره.',
  },
  'user.self_change_forbidden': {
    en: 'You cannot change your own role, ministry, active flag or second factor.',
    ar: 'لا يمكنك تغيير دورك أو وزارتك أو حالة حسابك أو المصادقة الثنائية الخاصة بك.',
  },
  'user.ministry_required': { en: 'This role needs a ministry.', ar: 'يتطلب هذا الدور تحديد وزارة.' },
  'user.ministry_not_allowed': { en: 'Administrators do not belong to a ministry.', ar: 'لا يتبع المسؤولون أي وزارة.' },
  'user.unknown_ministry': { en: 'There is no such ministry.', ar: 'لا توجد وزارة بهذا الرمز.' },
  'user.password_too_short': { en: 'The password must have at least 12 characters.', ar: 'يجب أن تتكون كلمة المرور من 12 حرفاً على الأقل.' },
  'user.password_too_long': { en: 'The password must have at most 256 characters.', ar: 'يجب ألا تتجاوز كلمة المرور 256 حرفاً.' },
  'user.password_too_common': {
    en: 'This password is too common. Choose another one.',
    ar: 'كلمة المرور هذه شائعة جداً. اختر غيرها.',
  },
});

export const emailTaken = () => conflict('user.email_taken');
export const lastAdmin = () => conflict('user.last_admin');
export const selfChangeForbidden = () => forbidden('user.self_change_forbidden');

/** 400 naming the field, for the role/ministry combination rules. */
export function ministryProblem(code: 'user.ministry_required' | 'user.ministry_not_allowed' | 'user.unknown_ministry'): AppError {
  return new AppError({ status: 400, code, errors: [{ path: '/ministry', message: code, code }] });
}

export function passwordRejected(problem: PasswordProblem, path = '/password'): AppError {
  const code = `user.password_${problem}`;
  return new AppError({ status: 400, code, errors: [{ path, message: code, code }] });
}
