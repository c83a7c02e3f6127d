import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { isDatabaseBusy, isUnstorableText, BUSY_RETRY_AFTER_SECONDS } from './db-errors.js';
import { AppError, retryAfter, type FieldError } from './errors.js';
import {
  badUrl,
  bodyTooLarge,
  emptyBody,
  invalidCharacters,
  invalidToken,
  malformedJson,
  requestInvalid,
  requestTimeout,
  routeNotFound,
  serverBusy,
  serverInternal,
  throttled,
  unsupportedMediaType,
  validationFailed,
} from './http.errors.js';
import { localizedTitle, localizeZodIssue, negotiateLocale, type Locale } from './i18n.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  requestId: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

function pointer(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '' : `/${path.map(String).join('/')}`;
}

/** Zod issues as field errors in `locale` (also for rows a service validates itself, e.g. an import). */
export function zodFieldErrors(issues: z.core.$ZodIssue[], context: string | undefined, locale: Locale): FieldError[] {
  const prefix = context ? `/${context}` : '';
  return issues.flatMap((issue): FieldError[] => {
    const message = localizeZodIssue(issue, locale);
    if (issue.code === 'unrecognized_keys') {
      // One error beside each unknown field, naming only that field (a form shows it there).
      return issue.keys.map((key) => ({
        path: `${prefix}${pointer([...issue.path, key])}`,
        message: localizeZodIssue({ ...issue, keys: [key] }, locale),
        code: issue.code,
      }));
    }
    // A refinement's own code (`age_out_of_range`, `script_arabic` …) says more than zod's `custom`.
    const own = issue.code === 'custom' ? (issue.params as { code?: unknown } | undefined)?.code : undefined;
    return [{ path: `${prefix}${pointer(issue.path)}`, message, code: typeof own === 'string' ? own : issue.code }];
  });
}

/** Maps anything thrown in a request to an AppError; unknown errors become a bare 500. */
function toAppError(error: FastifyError, locale: Locale): AppError {
  if (error instanceof AppError) return error;
  // A saturated pool (or a lock or statement that waited out its time): 503, try again shortly.
  if (isDatabaseBusy(error)) return serverBusy({ headers: retryAfter(BUSY_RETRY_AFTER_SECONDS) });
  // Text the request guard (src/http/input-guard.ts) let through, e.g. decoded inside a service.
  if (isUnstorableText(error)) return invalidCharacters();
  if (Array.isArray(error.validation)) {
    const issues = error.validation as unknown as z.core.$ZodIssue[];
    return validationFailed({ errors: zodFieldErrors(issues, error.validationContext, locale) });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return malformedJson();
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return emptyBody();
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return bodyTooLarge({ params: { limit: '?' } });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return unsupportedMediaType({ status: error.statusCode ?? 415 });
    case 'FST_ERR_CTP_INVALID_TYPE':
      return unsupportedMediaType();
  }
  // Prototype-poisoning keys are refused by the JSON body parser (src/http/json-body.ts).
  if (error instanceof SyntaxError) return malformedJson();
  if (error.statusCode === 400) return requestInvalid();
  if (error.statusCode === 429) return throttled();
  if (error.statusCode === 401) return invalidToken();
  if (error.statusCode === 408 || error.code === 'FST_ERR_REQUEST_TIMEOUT') return requestTimeout();
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return requestInvalid({ status: error.statusCode });
  }
  return serverInternal();
}

export function problemFor(error: AppError, request: FastifyRequest, locale: Locale): ProblemDocument {
  const detail = error.messageIn(locale);
  return {
    type: `urn:problem:${error.code}`,
    title: localizedTitle(error.status, locale),
    status: error.status,
    detail,
    // The route pattern, never the path: paths carry tokens and ids (/register/:token) that must not be
    // echoed, nor input that could not even be decoded. Without a matched route, the occurrence's id.
    instance: request.routeOptions.url ?? `urn:uuid:${request.id}`,
    code: error.code,
    requestId: request.id,
    // A field error the code raised without a message of its own repeats the detail, in the same language.
    ...(error.errors ? { errors: error.errors.map((e) => ({ ...e, message: e.message ?? detail })) } : {}),
    ...error.extensions,
  };
}

export function sendProblem(reply: FastifyReply, error: AppError): FastifyReply {
  const locale = negotiateLocale(reply.request.headers['accept-language']);
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply
    .code(error.status)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .header('content-language', locale)
    .header('cache-control', 'no-store')
    .send(problemFor(error, reply.request, locale));
}

/** Every error leaves as problem+json; 5xx never carry internals (they are logged with the request id). */
export function registerProblemHandlers(app: FastifyInstance, options: { bodyLimitBytes: number }): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const locale = negotiateLocale(request.headers['accept-language']);
    const appError = toAppError(error, locale);
    // A route with a limit of its own (the batch import) names that one.
    if (appError.code === 'request.body_too_large') appError.params.limit = request.routeOptions.bodyLimit ?? options.bodyLimitBytes;
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: appError.code, status: appError.status }, 'request refused');
    return sendProblem(reply, appError);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, routeNotFound()));
}

/**
 * fastify's `frameworkErrors` option: errors raised before routing (a URL that cannot be decoded, an
 * over-long parameter, a failing async constraint) skip the hooks and the error handler, so they get
 * here: the security headers and the request id are set first, then the problem document — which
 * never repeats the URL.
 */
export function frameworkErrorHandler(setSecurityHeaders: (request: FastifyRequest, reply: FastifyReply) => void) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    let appError: AppError;
    if (error.code === 'FST_ERR_BAD_URL') appError = badUrl();
    else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') appError = badUrl({ status: 414 });
    else appError = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? requestInvalid({ status: error.statusCode }) : serverInternal();
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed before routing');
    else request.log.info({ code: appError.code, status: appError.status, reason: error.code }, 'request refused before routing');
    setSecurityHeaders(request, reply);
    reply.header('x-request-id', request.id);
    void sendProblem(reply, appError);
  };
}
