import { defineError } from '../../http/errors.js';

export const consentVersionNotFound = defineError({
  code: 'consent.version_not_found',
  status: 404,
  en: 'There is no consent text of this version.',
  ar: 'لا يوجد نص موافقة بهذا الإصدار.',
});
