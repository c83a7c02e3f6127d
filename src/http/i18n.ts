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

/** Titles of problem documents, by HTTP status. */
const titles: Record<number, Record<Locale, string>> = {
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
  414: { en: 'URI too long', ar: 'العنوان طويل جداً' },
  415: { en: 'Unsupported media type', ar: 'نوع الوسائط غير مدعوم' },
  422: { en: 'Unprocessable content', ar: 'محتوى غير قابل للمعالجة' },
  428: { en: 'Precondition required', ar: 'الشرط المسبق مطلوب' },
  429: { en: 'Too many requests', ar: 'طلبات كثيرة جداً' },
  431: { en: 'Request header fields too large', ar: 'حقول الترويسة كبيرة جداً' },
  500: { en: 'Internal server error', ar: 'خطأ داخلي في الخادم' },
  503: { en: 'Service unavailable', ar: 'الخدمة غير متاحة' },
};

export function localizedTitle(status: number, locale: Locale): string {
  return (titles[status] ?? titles[status >= 500 ? 500 : 400]!)[locale];
}

/** Fills `{name}` placeholders from `params`; a missing one stays visible as `{name}`. */
export function interpolate(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

const zodLocales = { en: z.locales.en().localeError, ar: z.locales.ar().localeError };

/**
 * A zod issue's message in the caller's language: a refinement that says what is wrong in both
 * languages (its message in English, `params.ar` in Arabic) is shown as written; any other issue in
 * zod's own catalogue of the language.
 */
export function localizeZodIssue(issue: z.core.$ZodIssue, locale: Locale): string {
  if (issue.code === 'custom') {
    const arabic = (issue.params as { ar?: unknown } | undefined)?.ar;
    if (typeof arabic === 'string') return locale === 'ar' ? arabic : issue.message;
  }
  const result = zodLocales[locale](issue as never);
  if (typeof result === 'string') return result;
  return result?.message ?? issue.message;
}
