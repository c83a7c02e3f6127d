/**
 * The logger's error serializer. Errors are logged for 5xx responses; some carry the values of the
 * failed statement (drizzle's "Failed query: … params: …", pg's `detail` "Key (email)=(…) already
 * exists", `parameters`, `where`, or a quoted value in the message itself), i.e. passwords, hashes,
 * ID numbers and contacts. Only the parts that say what failed are kept: type, code, constraint,
 * table, column, the SQL text without its parameters, the message with quoted values redacted, and
 * the stack; causes are serialized the same way.
 */
export interface LoggedError {
  [key: string]: unknown;
  type: string;
  message: string;
  stack: string;
  code?: string;
  statusCode?: number;
  constraint?: string;
  table?: string;
  column?: string;
  routine?: string;
  cause?: LoggedError;
}

const PARAMS_SUFFIX = /\nparams: [\s\S]*$/;
// PostgreSQL quotes the offending value in some messages: invalid input syntax for type uuid: "…".
const QUOTED = /"[^"]*"/g;
const SQLSTATE = /^[0-9A-Z]{5}$/;
const KEEP = ['code', 'constraint', 'table', 'column', 'routine'] as const;

export function serializeError(error: unknown, depth = 0): LoggedError {
  if (!(error instanceof Error)) return { type: typeof error, message: 'non-error thrown', stack: '' };
  const source = error as Error & Record<string, unknown>;
  const fromDatabase = typeof source.code === 'string' && SQLSTATE.test(source.code) && typeof source.severity === 'string';
  const scrub = (text: string | undefined) => {
    const withoutParams = text?.replace(PARAMS_SUFFIX, '\nparams: [redacted]');
    return fromDatabase ? withoutParams?.replace(QUOTED, '"[redacted]"') : withoutParams;
  };
  const out: LoggedError = {
    type: error.constructor?.name ?? error.name,
    message: scrub(error.message) ?? '',
    // The stack starts with the message, so it is scrubbed the same way.
    stack: (error.stack ?? '').replace(error.message, () => scrub(error.message) ?? ''),
  };
  for (const name of KEEP) {
    if (typeof source[name] === 'string') out[name] = source[name];
  }
  if (typeof source.statusCode === 'number') out.statusCode = source.statusCode;
  if (error.cause !== undefined && depth < 3) out.cause = serializeError(error.cause, depth + 1);
  return out;
}
