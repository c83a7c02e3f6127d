import { defineError } from '../../http/errors.js';

export const linkNotFound = defineError({
  code: 'registration_link.not_found',
  status: 404,
  en: 'The registration link was not found.',
  ar: 'لم يُعثر على رابط التسجيل.',
});

export const linkGone = defineError({
  code: 'registration_link.gone',
  status: 410,
  en: 'This registration link no longer accepts registrations.',
  ar: 'لم يعد رابط التسجيل هذا يقبل طلبات جديدة.',
});

export const linkWindowInvalid = defineError({
  code: 'registration_link.window_invalid',
  status: 400,
  en: 'closesAt must be later than opensAt and than now.',
  ar: 'يجب أن يكون موعد الإغلاق بعد موعد الفتح وبعد الوقت الحالي.',
  errors: [{ path: '/body/closesAt', code: 'invalid' }],
});

export const consentOutdated = defineError({
  code: 'registration.consent_not_current',
  status: 400,
  en: 'Accept the current consent text (GET /consent/current) to register.',
  ar: 'يجب الموافقة على نص الموافقة الحالي للتسجيل.',
  errors: [{ path: '/body/consent/textVersion', code: 'registration.consent_not_current' }],
});
