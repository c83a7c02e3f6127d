import { interpolate, type Locale } from './i18n.js';

/**
 * One application error type. Each module defines its errors once, with both messages, in its
 * `*.errors.ts` (`export const emailTaken = defineError({ code, status, en, ar })`); a service throws
 * `emailTaken()`. The error carries its own definition, so the problem handler renders it without a
 * lookup, and the catalogue (src/errors.catalogue.ts) is derived from the same definitions.
 */
export interface FieldError {
  /** JSON pointer-like path of the failing field: "/applicant/birthDate". */
  path: string;
  message: string;
  code?: string;
  /** For a batch: the row's line (CSV line number, or array index + 1) and the field named there. */
  line?: number;
  field?: string;
}

/** A field error as an AppError holds it: without a message, it is rendered with the error's own message. */
export type FieldErrorSpec = Omit<FieldError, 'message'> & { message?: string };

/** `{name}` placeholders of a message template, as a union of names. */
export type Placeholders<Template extends string> = Template extends `${string}{${infer Name}}${infer Rest}`
  ? Name | Placeholders<Rest>
  : never;

export type ErrorParams = Record<string, string | number>;

/** What a definition may preset and a call may add to (errors replace, extensions and headers merge). */
export interface ErrorDefaults {
  errors?: FieldErrorSpec[];
  /** Extra members of the problem document (e.g. allowedActions). */
  extensions?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface ErrorDefinition<En extends string = string> extends ErrorDefaults {
  /** Stable, lower-case snake/dotted code, e.g. `application.not_found`. Clients rely on it: never rename. */
  code: string;
  status: number;
  /** English message; `{name}` is replaced from the error's params. */
  en: En;
  /** Arabic message, Arabic throughout (protocol names such as If-Match excepted), with the same placeholders. */
  ar: string;
}

export interface ErrorDetails<Params extends ErrorParams = ErrorParams> extends ErrorDefaults {
  params?: Params;
  /** Only where the shell mirrors a status fastify chose for the same condition. */
  status?: number;
}

type ParamsOf<En extends string> = Record<Placeholders<En>, string | number>;

/** Creates the error; the details are required when the message has placeholders. */
export type ErrorFactory<En extends string = string> = ([Placeholders<En>] extends [never]
  ? (details?: ErrorDetails<Record<string, never>>) => AppError
  : (details: ErrorDetails<ParamsOf<En>> & { params: ParamsOf<En> }) => AppError) & {
  readonly definition: Readonly<ErrorDefinition<En>>;
};

export class AppError extends Error {
  readonly definition: Readonly<ErrorDefinition>;
  readonly status: number;
  readonly code: string;
  readonly params: ErrorParams;
  readonly errors: FieldErrorSpec[] | undefined;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(definition: Readonly<ErrorDefinition>, details: ErrorDetails = {}) {
    super(definition.code);
    this.name = 'AppError';
    this.definition = definition;
    this.status = details.status ?? definition.status;
    this.code = definition.code;
    this.params = { ...details.params };
    this.errors = details.errors ?? definition.errors;
    this.extensions = { ...definition.extensions, ...details.extensions };
    this.headers = { ...definition.headers, ...details.headers };
  }

  /** The message in `locale`, with its params filled in. */
  messageIn(locale: Locale): string {
    return interpolate(this.definition[locale], this.params);
  }
}

export function defineError<const En extends string>(definition: ErrorDefinition<En>): ErrorFactory<En> {
  const frozen = Object.freeze({ ...definition });
  const factory = (details?: ErrorDetails) => new AppError(frozen, details);
  return Object.assign(factory, { definition: frozen });
}

export function isErrorFactory(value: unknown): value is ErrorFactory {
  return typeof value === 'function' && 'definition' in value && typeof (value as ErrorFactory).definition?.code === 'string';
}

/** The Retry-After header for a 429 or 503, in whole seconds (at least one). */
export function retryAfter(seconds: number): Record<string, string> {
  return { 'retry-after': String(Math.max(1, Math.ceil(seconds))) };
}
