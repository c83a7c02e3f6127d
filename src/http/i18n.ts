import { z } from 'zod';

export type Locale = 'en' | 'ar';

/** Picks Arabic or English from Accept-Language (by q-value, first wins on ties); English otherwise. */
export function negotiateLocale(header: string | undefined): Locale {
  if (!header) return 'en';
  let best: { locale: Locale; q: number } | undefined;
  for (const part of header.split(',')) {
    const [tag = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    const primary = tag.split('-')[0];
    if (primary !== 'ar' && primary !== 'en') continue;
    if (!best || q > best.q) best = { locale: primary, q };
  }
  return best?.locale ?? 'en';
}

type Messages = Record<string, { en: string; ar: string }>;

/** Titles of problem documents, by HTTP status. */
const titles: Record<number, { en: string; ar: string }> = {
  400: { en: 'Bad request', ar: 'طلب غير صالح' },
  401: { en: 'Unauthorized', ar: 'غير مصرّح' },
  403: { en: 'Forbidden', ar: 'ممنوع' },
  404: { en: 'Not found', ar: 'غير موجود' },
  405: { en: 'Method not allowed', ar: 'الطريقة غير مسموحة' },
  406: { en: 'Not acceptable', ar: 'غير مقبول' },
  408: { en: 'Request timeout', ar: 'انتهت مهلة الطلب' },
  409: { en: 'Conflict', ar: 'تعارض' },
  410: { en: 'Gone', ar: 'لم يعد متاحاً' },
  412: { en: 'Precondition failed', ar: 'فشل الشرط المسبق' },
  413: { en: 'Content too large', ar: 'المحتوى كبير جداً' },
  415: { en: 'Unsupported media type', ar: 'نوع الوسائط غير مدعوم' },
  422: { en: 'Unprocessable content', ar: 'محتوى غير قابل للمعالجة' },
  428: { en: 'Precondition required', ar: 'الشرط المسبق مطلوب' },
  429: { en: 'Too many requests', ar: 'طلبات كثيرة جداً' },
  500: { en: 'Internal server error', ar: 'خطأ داخلي في الخادم' },
  503: { en: 'Service unavailable', ar: 'الخدمة غير متاحة' },
};

/** Details of problem documents, by error code. `{name}` is replaced from the error's params. */
const messages: Messages = {
  'request.invalid': { en: 'The request is not valid.', ar: 'الطلب غير صالح.' },
  'request.validation_failed': {
    en: 'Some fields are not valid; see errors.',
    ar: 'بعض الحقول غير صالحة؛ راجع قائمة الأخطاء.',
  },
  'request.malformed_json': { en: 'The body is not valid JSON.', ar: 'محتوى الطلب ليس JSON صالحاً.' },
  'request.empty_body': { en: 'The body must not be empty.', ar: 'يجب ألا يكون محتوى الطلب فارغاً.' },
  'request.forbidden_property': {
    en: 'The body contains a forbidden property name (__proto__ or constructor).',
    ar: 'يحتوي الطلب على اسم خاصية ممنوع (__proto__ أو constructor).',
  },
  'request.body_too_large': {
    en: 'The body is larger than the {limit} bytes allowed.',
    ar: 'حجم المحتوى أكبر من الحد المسموح به ({limit} بايت).',
  },
  'request.unsupported_media_type': {
    en: 'This media type is not accepted here.',
    ar: 'نوع الوسائط هذا غير مقبول هنا.',
  },
  'request.route_not_found': { en: 'There is no such endpoint.', ar: 'لا توجد نقطة وصول بهذا العنوان.' },
  'request.method_not_allowed': { en: 'This method is not allowed here.', ar: 'هذه الطريقة غير مسموحة هنا.' },
  'request.timeout': { en: 'The request took too long.', ar: 'استغرق الطلب وقتاً أطول من المسموح.' },
  'request.throttled': {
    en: 'Too many requests; try again later.',
    ar: 'عدد كبير جداً من الطلبات؛ حاول لاحقاً.',
  },
  'request.stale_version': {
    en: 'The record has changed since you read it; reload and try again.',
    ar: 'تغيّر السجل منذ قراءتك له؛ أعد التحميل وحاول مجدداً.',
  },
  'request.if_match_required': {
    en: 'This change needs an If-Match header with the version you read.',
    ar: 'يتطلب هذا التعديل ترويسة If-Match بالإصدار الذي قرأته.',
  },
  'request.idempotency_key_reused': {
    en: 'This Idempotency-Key was used with another body.',
    ar: 'استُخدم مفتاح Idempotency-Key هذا مع محتوى مختلف.',
  },
  'server.internal': {
    en: 'Something went wrong on our side. The request id identifies it for support.',
    ar: 'حدث خطأ من جهتنا. يحدد رقم الطلب المشكلة لفريق الدعم.',
  },
  'server.unavailable': { en: 'The service is not ready.', ar: 'الخدمة غير جاهزة.' },
  'auth.unauthenticated': { en: 'Sign-in is required.', ar: 'يجب تسجيل الدخول.' },
  'auth.invalid_token': { en: 'The access token is not valid.', ar: 'رمز الوصول غير صالح.' },
  'auth.forbidden': { en: 'Your role does not allow this.', ar: 'لا يسمح دورك بهذا الإجراء.' },
  'resource.not_found': { en: 'The {entity} was not found.', ar: 'لم يُعثر على المطلوب ({entity}).' },
};

export function localizedTitle(status: number, locale: Locale): string {
  return (titles[status] ?? titles[status >= 500 ? 500 : 400]!)[locale];
}

export function localizedMessage(code: string, locale: Locale, params: Record<string, string | number> = {}): string {
  const entry = messages[code] ?? (code.endsWith('.not_found') ? messages['resource.not_found'] : undefined);
  const template = entry?.[locale] ?? code;
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

/** Lets modules add their messages next to their code. */
export function registerMessages(more: Messages): void {
  Object.assign(messages, more);
}

const zodLocales = { en: z.locales.en().localeError, ar: z.locales.ar().localeError };

/** A zod issue's message in the caller's language (zod ships both catalogues). */
export function localizeZodIssue(issue: z.core.$ZodIssue, locale: Locale): string {
  const result = zodLocales[locale](issue as never);
  if (typeof result === 'string') return result;
  return result?.message ?? issue.message;
}
