import { AppError, badRequest } from './errors.js';
import { registerMessages } from './i18n.js';

/** Errors of the shared request helpers: cursors and Idempotency-Key (If-Match: errors.ts, 412 and 428). */
registerMessages({
  'request.invalid_cursor': { en: 'The cursor is not valid; start again without it.', ar: 'مؤشر الصفحة غير صالح؛ أعد البدء من دونه.' },
  'request.invalid_idempotency_key': {
    en: 'Idempotency-Key must be 1 to 255 visible ASCII characters.',
    ar: 'يجب أن يتكون مفتاح Idempotency-Key من 1 إلى 255 محرفاً مرئياً من ASCII.',
  },
  'idempotency.in_progress': {
    en: 'A request with this Idempotency-Key is still being processed; retry shortly.',
    ar: 'ما زال طلب بمفتاح Idempotency-Key هذا قيد المعالجة؛ أعد المحاولة بعد قليل.',
  },
});

export const invalidCursor = () =>
  badRequest('request.invalid_cursor', [{ path: '/querystring/cursor', message: 'not a cursor returned by this endpoint', code: 'invalid_cursor' }]);
export const invalidIdempotencyKey = () =>
  badRequest('request.invalid_idempotency_key', [{ path: '/headers/idempotency-key', message: 'expected 1 to 255 visible ASCII characters', code: 'invalid_idempotency_key' }]);
/** 422: the key was first used with another request (the message lives in i18n.ts). */
export const idempotencyKeyReused = () => new AppError({ status: 422, code: 'request.idempotency_key_reused' });
export const idempotencyInProgress = (retryAfterSeconds = 1) =>
  new AppError({ status: 409, code: 'idempotency.in_progress', headers: { 'retry-after': String(retryAfterSeconds) } });
