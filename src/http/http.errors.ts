import { defineError } from './errors.js';

/** Errors of the HTTP shell itself: malformed requests, versions, sign-in and role checks, server state. */

export const requestInvalid = defineError({
  code: 'request.invalid',
  status: 400,
  en: 'The request is not valid.',
  ar: 'الطلب غير صالح.',
});

export const validationFailed = defineError({
  code: 'request.validation_failed',
  status: 400,
  en: 'Some fields are not valid; see errors.',
  ar: 'بعض الحقول غير صالحة؛ راجع قائمة الأخطاء.',
});

export const malformedJson = defineError({
  code: 'request.malformed_json',
  status: 400,
  en: 'The body is not valid JSON.',
  ar: 'محتوى الطلب ليس JSON صالحاً.',
});

export const emptyBody = defineError({
  code: 'request.empty_body',
  status: 400,
  en: 'The body must not be empty.',
  ar: 'يجب ألا يكون محتوى الطلب فارغاً.',
});

export const forbiddenProperty = defineError({
  code: 'request.forbidden_property',
  status: 400,
  en: 'The body contains a forbidden property name (__proto__ or constructor).',
  ar: 'يحتوي الطلب على اسم خاصية ممنوع (__proto__ أو constructor).',
});

export const bodyTooLarge = defineError({
  code: 'request.body_too_large',
  status: 413,
  en: 'The body is larger than the {limit} bytes allowed.',
  ar: 'حجم المحتوى أكبر من الحد المسموح به ({limit} بايت).',
});

export const unsupportedMediaType = defineError({
  code: 'request.unsupported_media_type',
  status: 415,
  en: 'This media type is not accepted here.',
  ar: 'نوع الوسائط هذا غير مقبول هنا.',
});

export const routeNotFound = defineError({
  code: 'request.route_not_found',
  status: 404,
  en: 'There is no such endpoint.',
  ar: 'لا توجد نقطة وصول بهذا العنوان.',
});

export const methodNotAllowed = defineError({
  code: 'request.method_not_allowed',
  status: 405,
  en: 'This method is not allowed here.',
  ar: 'هذه الطريقة غير مسموحة هنا.',
});

export const requestTimeout = defineError({
  code: 'request.timeout',
  status: 408,
  en: 'The request took too long.',
  ar: 'استغرق الطلب وقتاً أطول من المسموح.',
});

export const throttled = defineError({
  code: 'request.throttled',
  status: 429,
  en: 'Too many requests; try again later.',
  ar: 'عدد كبير جداً من الطلبات؛ حاول لاحقاً.',
});

/** 412: the If-Match version is not the record's current one. */
export const preconditionFailed = defineError({
  code: 'request.stale_version',
  status: 412,
  en: 'The record has changed since you read it; reload and try again.',
  ar: 'تغيّر السجل منذ قراءتك له؛ أعد التحميل وحاول مجدداً.',
});

/** 428: a change without If-Match. */
export const preconditionRequired = defineError({
  code: 'request.if_match_required',
  status: 428,
  en: 'This change needs an If-Match header with the version you read.',
  ar: 'يتطلب هذا التعديل ترويسة If-Match بالإصدار الذي قرأته.',
});

export const idempotencyKeyReused = defineError({
  code: 'request.idempotency_key_reused',
  status: 422,
  en: 'This Idempotency-Key was used with another body.',
  ar: 'استُخدم مفتاح Idempotency-Key هذا مع محتوى مختلف.',
});

/** A page cursor this API did not hand out (or one for another listing). */
export const invalidCursor = defineError({
  code: 'request.invalid_cursor',
  status: 400,
  en: 'The cursor is not valid; start again without it.',
  ar: 'مؤشر الصفحة غير صالح؛ أعد البدء من دونه.',
  errors: [{ path: '/querystring/cursor', code: 'invalid_cursor' }],
});

export const invalidIdempotencyKey = defineError({
  code: 'request.invalid_idempotency_key',
  status: 400,
  en: 'Idempotency-Key must be 1 to 255 visible ASCII characters.',
  ar: 'يجب أن يتكون مفتاح Idempotency-Key من 1 إلى 255 محرفاً لاتينياً أساسياً مرئياً.',
  errors: [{ path: '/headers/idempotency-key', code: 'invalid_idempotency_key' }],
});

export const idempotencyInProgress = defineError({
  code: 'idempotency.in_progress',
  status: 409,
  en: 'A request with this Idempotency-Key is still being processed; retry shortly.',
  ar: 'ما زال طلب بمفتاح Idempotency-Key هذا قيد المعالجة؛ أعد المحاولة بعد قليل.',
  headers: { 'retry-after': '1' },
});

export const serverInternal = defineError({
  code: 'server.internal',
  status: 500,
  en: 'Something went wrong on our side. The request id identifies it for support.',
  ar: 'حدث خطأ من جهتنا. يحدد رقم الطلب المشكلة لفريق الدعم.',
});

export const serverUnavailable = defineError({
  code: 'server.unavailable',
  status: 503,
  en: 'The service is not ready.',
  ar: 'الخدمة غير جاهزة.',
});

export const unauthenticated = defineError({
  code: 'auth.unauthenticated',
  status: 401,
  en: 'Sign-in is required.',
  ar: 'يجب تسجيل الدخول.',
});

export const invalidToken = defineError({
  code: 'auth.invalid_token',
  status: 401,
  en: 'The access token is not valid.',
  ar: 'رمز الوصول غير صالح.',
});

/** The caller's role lacks the route's permission. */
export const forbidden = defineError({
  code: 'auth.forbidden',
  status: 403,
  en: 'Your role does not allow this.',
  ar: 'لا يسمح دورك بهذا الإجراء.',
});

/** Staff who have not signed in with a second factor, where the configuration requires one. */
export const mfaRequired = defineError({
  code: 'auth.mfa_required',
  status: 403,
  en: 'Set up two-factor authentication and sign in with it first.',
  ar: 'فعّل المصادقة الثنائية وسجّل الدخول بها أولاً.',
});

/** Text PostgreSQL cannot store: a NUL character, or half of a UTF-16 surrogate pair. */
export const invalidCharacters = defineError({
  code: 'request.invalid_characters',
  status: 400,
  en: 'Text must not contain NUL characters or unpaired surrogates; see errors.',
  ar: 'يجب ألا يحتوي النص على المحرف الصفري أو على نصف زوج بديل غير مكتمل؛ راجع قائمة الأخطاء.',
});

/** The database's connections are all busy (or it cannot be reached in time): try again shortly. */
export const serverBusy = defineError({
  code: 'server.busy',
  status: 503,
  en: 'The service is busy; try again in a moment.',
  ar: 'الخدمة مشغولة حالياً؛ حاول مجدداً بعد قليل.',
});

/** The request URL cannot be decoded (a broken percent-escape, an over-long parameter). */
export const badUrl = defineError({
  code: 'request.bad_url',
  status: 400,
  en: 'The address of the request is not valid.',
  ar: 'عنوان الطلب غير صالح.',
});

export const headersTooLarge = defineError({
  code: 'request.headers_too_large',
  status: 431,
  en: 'The request headers are too large.',
  ar: 'ترويسات الطلب كبيرة جداً.',
});
