import { defineError, retryAfter } from '../../http/errors.js';

export const invalidCredentials = defineError({
  code: 'auth.invalid_credentials',
  status: 401,
  en: 'The email or password is not correct.',
  ar: 'البريد الإلكتروني أو كلمة المرور غير صحيحة.',
});

export const mfaCodeRequired = defineError({
  code: 'auth.mfa_code_required',
  status: 401,
  en: 'Enter the code from your authenticator app, or one of your recovery codes.',
  ar: 'أدخل الرمز من تطبيق المصادقة أو أحد رموز الاسترداد.',
  extensions: { mfaRequired: true },
});

export const invalidMfaCode = defineError({
  code: 'auth.invalid_mfa_code',
  status: 401,
  en: 'The authentication code is not correct or was already used.',
  ar: 'رمز المصادقة غير صحيح أو سبق استخدامه.',
  extensions: { mfaRequired: true },
});

export const locked = defineError({
  code: 'auth.locked',
  status: 429,
  en: 'Too many failed sign-ins. Try again later.',
  ar: 'محاولات دخول فاشلة كثيرة. حاول لاحقاً.',
});

/** 429 with Retry-After: the account or the client address is locked out for that long. */
export const accountLocked = (retryAfterSeconds: number) => locked({ headers: retryAfter(retryAfterSeconds) });

export const invalidRefreshToken = defineError({
  code: 'auth.invalid_refresh_token',
  status: 401,
  en: 'The refresh token is not valid. Sign in again.',
  ar: 'رمز التحديث غير صالح. سجّل الدخول مجدداً.',
});

export const mfaAlreadyEnabled = defineError({
  code: 'mfa.already_enabled',
  status: 409,
  en: 'Two-factor authentication is already set up for this account.',
  ar: 'المصادقة الثنائية مفعّلة مسبقاً لهذا الحساب.',
});

export const mfaNotStarted = defineError({
  code: 'mfa.not_started',
  status: 409,
  en: 'Start the enrolment first (POST /auth/mfa/enroll).',
  ar: 'ابدأ التسجيل أولاً (POST /auth/mfa/enroll).',
});

export const invalidEnrolmentCode = defineError({
  code: 'mfa.invalid_code',
  status: 400,
  en: 'The code is not correct. Check the time on your device and try again.',
  ar: 'الرمز غير صحيح. تحقق من الوقت على جهازك وحاول مجدداً.',
  errors: [{ path: '/code', code: 'invalid_code' }],
});
