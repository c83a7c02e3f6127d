import { AppError } from '../../http/errors.js';
import { registerMessages } from '../../http/i18n.js';

registerMessages({
  'auth.invalid_credentials': {
    en: 'The email or password is not correct.',
    ar: 'البريد الإلكتروني أو كلمة المرور غير صحيحة.',
  },
  'auth.mfa_code_required': {
    en: 'Enter the code from your authenticator app, or one of your recovery codes.',
    ar: 'أدخل الرمز من تطبيق المصادقة أو أحد رموز الاسترداد.',
  },
  'auth.invalid_mfa_code': {
    en: 'The authentication code is not correct or was already used.',
    ar: 'رمز المصادقة غير صحيح أو سبق استخدامه.',
  },
  'auth.locked': {
    en: 'Too many failed sign-ins. Try again later.',
    ar: 'محاولات دخول فاشلة كثيرة. حاول لاحقاً.',
  },
  'auth.invalid_refresh_token': {
    en: 'The refresh token is not valid. Sign in again.',
    ar: 'رمز التحديث غير صالح. سجّل الدخول مجدداً.',
  },
  'auth.mfa_required': {
    en: 'Set up two-factor authentication and sign in with it first.',
    ar: 'فعّل المصادقة الثنائية وسجّل الدخول بها أولاً.',
  },
  'mfa.already_enabled': {
    en: 'Two-factor authentication is already set up for this account.',
    ar: 'المصادقة الثنائية مفعّلة مسبقاً لهذا الحساب.',
  },
  'mfa.not_started': {
    en: 'Start the enrolment first (POST /auth/mfa/enroll).',
    ar: 'ابدأ التسجيل أولاً (POST /auth/mfa/enroll).',
  },
  'mfa.invalid_code': {
    en: 'The code is not correct. Check the time on your device and try again.',
    ar: 'الرمز غير صحيح. تحقق من الوقت على جهازك وحاول مجدداً.',
  },
});

export const invalidCredentials = () => new AppError({ status: 401, code: 'auth.invalid_credentials' });
export const mfaCodeRequired = () => new AppError({ status: 401, code: 'auth.mfa_code_required', extensions: { mfaRequired: true } });
export const invalidMfaCode = () => new AppError({ status: 401, code: 'auth.invalid_mfa_code', extensions: { mfaRequired: true } });
export const accountLocked = (retryAfterSeconds: number) =>
  new AppError({ status: 429, code: 'auth.locked', headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) } });
export const invalidRefreshToken = () => new AppError({ status: 401, code: 'auth.invalid_refresh_token' });
export const invalidEnrolmentCode = () =>
  new AppError({ status: 400, code: 'mfa.invalid_code', errors: [{ path: '/code', message: 'mfa.invalid_code', code: 'invalid_code' }] });
