/**
 * One application error type. Modules create them through small factories
 * (`notFound('application')`), the error handler renders them as RFC 9457 problem+json.
 */
export interface FieldError {
  /** JSON pointer-like path of the failing field: "/applicant/birthDate". */
  path: string;
  message: string;
  code?: string;
}

export interface AppErrorOptions {
  status: number;
  /** Stable, lower-case snake/dotted code, e.g. `application.not_found`; keys the message catalogue. */
  code: string;
  /** Values interpolated into the localized message. */
  params?: Record<string, string | number>;
  errors?: FieldError[];
  /** Extra members of the problem document (e.g. allowedActions). */
  extensions?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly params: Record<string, string | number>;
  readonly errors: FieldError[] | undefined;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(options: AppErrorOptions) {
    super(options.code);
    this.name = 'AppError';
    this.status = options.status;
    this.code = options.code;
    this.params = options.params ?? {};
    this.errors = options.errors;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}

export const badRequest = (code = 'request.invalid', errors?: FieldError[]) => new AppError({ status: 400, code, errors });
export const unauthorized = (code = 'auth.unauthenticated') => new AppError({ status: 401, code });
export const forbidden = (code = 'auth.forbidden') => new AppError({ status: 403, code });
/** Also for records the caller may not see: never reveal that they exist. */
export const notFound = (entity: string) => new AppError({ status: 404, code: `${entity}.not_found`, params: { entity } });
export const conflict = (code: string, extensions?: Record<string, unknown>) => new AppError({ status: 409, code, extensions });
export const preconditionFailed = () => new AppError({ status: 412, code: 'request.stale_version' });
export const preconditionRequired = () => new AppError({ status: 428, code: 'request.if_match_required' });
