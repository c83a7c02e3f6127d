import { defineError } from '../../http/errors.js';

export const documentNotFound = defineError({
  code: 'document.not_found',
  status: 404,
  en: 'The document was not found.',
  ar: 'لم يُعثر على الوثيقة.',
});

/** The record is kept (who uploaded what, its hash), the bytes are not. */
export const documentErased = defineError({
  code: 'document.erased',
  status: 410,
  en: 'This document was removed; its content no longer exists.',
  ar: 'حُذفت هذه الوثيقة؛ ولم يعد محتواها موجوداً.',
});

export const documentTooLarge = defineError({
  code: 'document.too_large',
  status: 413,
  en: 'The file is larger than the {limit} bytes allowed.',
  ar: 'حجم الملف أكبر من الحد المسموح به ({limit} بايت).',
  errors: [{ path: '/body/file', code: 'too_large' }],
});

export const documentEmpty = defineError({
  code: 'document.empty',
  status: 400,
  en: 'The file is empty.',
  ar: 'الملف فارغ.',
  errors: [{ path: '/body/file', code: 'empty' }],
});

/** The bytes are of a known type that is not accepted. */
export const documentTypeNotAccepted = defineError({
  code: 'document.type_not_accepted',
  status: 415,
  en: 'The file’s content is {detected}, whatever its name or declared type says; only {accepted} are accepted.',
  ar: 'محتوى الملف من نوع {detected} بصرف النظر عن اسمه أو النوع المعلن له؛ ولا يُقبل إلا {accepted}.',
  errors: [{ path: '/body/file', code: 'type_not_accepted' }],
});

/** The bytes match no known type. */
export const documentTypeUnknown = defineError({
  code: 'document.type_unknown',
  status: 415,
  en: 'The file’s content is not recognized as any of {accepted}, whatever its name or declared type says.',
  ar: 'لم يُتعرّف على محتوى الملف بوصفه أحد الأنواع المقبولة ({accepted})، بصرف النظر عن اسمه أو النوع المعلن له.',
  errors: [{ path: '/body/file', code: 'type_unknown' }],
});

export const documentLimitReached = defineError({
  code: 'document.limit_reached',
  status: 409,
  en: 'This case already holds {limit} documents; delete a wrong one before adding another.',
  ar: 'يضم هذا الملف {limit} وثيقة بالفعل؛ احذف وثيقة خاطئة قبل إضافة أخرى.',
});

export const documentCaseClosed = defineError({
  code: 'document.case_closed',
  status: 409,
  en: 'This case is closed; it takes no more documents.',
  ar: 'هذا الملف مغلق؛ ولا تُضاف إليه وثائق بعد الآن.',
});

export const documentLocked = defineError({
  code: 'document.locked',
  status: 409,
  en: 'Screening of this case has ended; its documents can no longer be removed.',
  ar: 'انتهى التدقيق الأولي لهذا الملف؛ ولم يعد بالإمكان حذف وثائقه.',
});

/** An applicant removes only what they uploaded themselves. */
export const documentNotUploader = defineError({
  code: 'document.not_uploader',
  status: 403,
  en: 'You can remove only documents you uploaded yourself.',
  ar: 'لا يمكنك حذف إلا الوثائق التي رفعتها بنفسك.',
});

export const documentOneFile = defineError({
  code: 'document.one_file',
  status: 400,
  en: 'Send exactly one file per request, in the part named {part}.',
  ar: 'أرسل ملفاً واحداً فقط في كل طلب، في الجزء المسمى {part}.',
  errors: [{ path: '/body/file', code: 'one_file' }],
});

export const multipartMalformed = defineError({
  code: 'document.malformed_multipart',
  status: 400,
  en: 'The body is not a well-formed multipart/form-data upload with one file and a kind.',
  ar: 'محتوى الطلب ليس رفعاً سليماً متعدد الأجزاء يضم ملفاً واحداً ونوع الوثيقة.',
});
