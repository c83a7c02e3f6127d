import type { SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

/**
 * What clients generate from: every operation gets a stable operationId, its security and its
 * problem responses here, in one place, from the route table; route files declare only their own
 * success responses.
 */

const PROBLEM_SCHEMA_NAME = 'Problem';
const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** RFC 9457 problem details, as src/http/problem.ts renders them. */
export const problemSchema = {
  type: 'object',
  description: 'RFC 9457 problem details. `code` is stable; `title` and `detail` follow Accept-Language (en, ar).',
  required: ['type', 'title', 'status', 'detail', 'instance', 'code', 'requestId'],
  properties: {
    type: { type: 'string', description: '`urn:problem:<code>`', examples: ['urn:problem:request.validation_failed'] },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string' },
    instance: { type: 'string', description: 'The route pattern, never the path with its ids.' },
    code: { type: 'string', examples: ['request.validation_failed'] },
    requestId: { type: 'string', description: 'Also sent as the X-Request-Id header.' },
    errors: {
      type: 'array',
      description: 'The fields that failed, for 400 responses.',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: {
          path: { type: 'string', description: 'JSON-pointer-like path: `/body/address/city`.' },
          message: { type: 'string' },
          code: { type: 'string' },
          line: { type: 'integer', description: 'Batch import: the CSV line number, or the array index + 1.' },
          field: { type: 'string', description: 'Batch import: the column or field named on that line.' },
        },
      },
    },
  },
  additionalProperties: true,
} as const;

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed, empty or invalid request (`errors` names the fields)',
  401: 'Not signed in, or the credentials or token are not valid',
  403: 'The role may not do this, or the second factor must be enrolled first',
  404: 'No such record, or one the caller may not see',
  409: 'Conflicts with the current state (a duplicate, or a state that does not allow it)',
  410: 'Gone: the record is kept but what was asked for no longer exists',
  412: 'If-Match does not name the current version',
  413: 'The body (or an uploaded file, or a batch of too many rows) is larger than the limit',
  415: 'The body is not of a media type the route takes (application/json; an upload: multipart/form-data with a file of an accepted type; an import: text/csv or application/json)',
  422: 'The Idempotency-Key was already used with another request',
  428: 'If-Match is required',
  429: 'Too many failed sign-ins: retry after Retry-After seconds',
  500: 'Unexpected error (no internals are disclosed)',
  503: 'Shutting down, or the database is unreachable or not migrated',
};

/** Problems particular to an operation, beyond the ones its shape implies (see problemStatuses). */
const SPECIFIC_PROBLEMS: Record<string, number[]> = {
  postAuthLogin: [401, 429],
  postAuthRefresh: [401],
  postAuthMfaEnroll: [409],
  postAuthMfaConfirm: [409],
  postUsers: [409],
  patchUser: [409],
  postCommittees: [409],
  putCommitteeMember: [409],
  postApplicationsImport: [409, 422],
  postApplicationDocuments: [409],
  getApplicationDocument: [410],
  deleteApplicationDocument: [409, 410],
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

function isParameter(segment: string): boolean {
  return segment.startsWith(':') || segment.startsWith('{');
}

function singular(word: string): string {
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

const capitalized = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/**
 * method + the route's fixed segments, camelCase; a segment followed by a parameter names one
 * record and is singular: `GET /users/:id` → getUser, `POST /auth/login` → postAuthLogin,
 * `PUT /committees/:id/members/:userId` → putCommitteeMember.
 */
export function operationIdFor(method: string, url: string): string {
  const segments = url.split('/').filter((segment) => segment !== '' && segment !== '*');
  const words = segments.flatMap((segment, i) => {
    if (isParameter(segment)) return [];
    const next = segments[i + 1];
    const parts = segment.split(/[^A-Za-z0-9]+/).filter(Boolean);
    if (next !== undefined && isParameter(next) && parts.length > 0) parts[parts.length - 1] = singular(parts.at(-1)!);
    return parts;
  });
  return method.toLowerCase() + words.map(capitalized).join('');
}

interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses?: Record<string, unknown>;
}

/** The problem statuses an operation can answer with, from its shape and SPECIFIC_PROBLEMS. */
export function problemStatuses(method: string, path: string, operation: Operation): number[] {
  const statuses = new Set<number>([500, 503]);
  const secured = (operation.security ?? []).length > 0;
  const parameters = operation.parameters ?? [];
  if (operation.requestBody !== undefined) [400, 413, 415].forEach((s) => statuses.add(s));
  if (parameters.some((p) => p.in !== 'header')) statuses.add(400);
  if (secured) [401, 403].forEach((s) => statuses.add(s));
  if (path.includes('{')) statuses.add(404);
  if (parameters.some((p) => p.in === 'header' && p.name.toLowerCase() === 'if-match')) [412, 428].forEach((s) => statuses.add(s));
  for (const status of SPECIFIC_PROBLEMS[operation.operationId ?? operationIdFor(method, path)] ?? []) statuses.add(status);
  return [...statuses].sort((a, b) => a - b);
}

function problemResponse(status: number): Record<string, unknown> {
  return {
    description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem',
    ...(status === 429 ? { headers: { 'Retry-After': { description: 'Seconds until another attempt may succeed', schema: { type: 'integer', minimum: 1 } } } } : {}),
    content: { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: `#/components/schemas/${PROBLEM_SCHEMA_NAME}` } } },
  };
}

export interface OpenApiOptions {
  /** The public base URL clients call (PUBLIC_BASE_URL), or '/' for the document's own origin. */
  serverUrl: string;
}

/**
 * @fastify/swagger's `transform` and `transformObject`, wrapping fastify-type-provider-zod's
 * (zod schemas → JSON Schema) with the operation ids, security, problem responses and servers.
 */
export function openApiTransforms(options: OpenApiOptions): { transform: SwaggerTransform; transformObject: SwaggerTransformObject } {
  /** Request bodies routes declare themselves (config.openapiRequestBody), by operationId. */
  const declaredBodies = new Map<string, unknown>();

  const transform: SwaggerTransform = (input) => {
    const result = jsonSchemaTransform(input);
    const method = Array.isArray(input.route.method) ? String(input.route.method[0]) : String(input.route.method);
    const isPublic = input.route.config?.permission === 'public';
    const declaredBody = input.route.config?.openapiRequestBody;
    if (declaredBody) declaredBodies.set(operationIdFor(method, input.url), declaredBody);
    return {
      url: result.url,
      schema: {
        ...result.schema,
        operationId: operationIdFor(method, input.url),
        security: isPublic ? [] : [{ bearer: [] }],
      },
    };
  };

  const transformObject: SwaggerTransformObject = (input) => {
    const document = jsonSchemaTransformObject(input) as {
      paths?: Record<string, Partial<Record<(typeof HTTP_METHODS)[number], Operation>>>;
      components?: { schemas?: Record<string, unknown> };
      servers?: unknown;
    };
    const seen = new Map<string, string>();
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const method of HTTP_METHODS) {
        const operation = item[method];
        if (!operation) continue;
        const where = `${method.toUpperCase()} ${path}`;
        const declaredBody = operation.operationId ? declaredBodies.get(operation.operationId) : undefined;
        if (declaredBody) operation.requestBody = declaredBody;
        if (operation.operationId) {
          const other = seen.get(operation.operationId);
          if (other) throw new Error(`operationId ${operation.operationId} is derived for both ${other} and ${where}`);
          seen.set(operation.operationId, where);
        }
        const responses = (operation.responses ??= {});
        for (const status of problemStatuses(method, path, operation)) {
          responses[String(status)] ??= problemResponse(status);
        }
      }
    }
    document.components = { ...document.components, schemas: { ...document.components?.schemas, [PROBLEM_SCHEMA_NAME]: problemSchema } };
    document.servers = [{ url: options.serverUrl }];
    return document as ReturnType<SwaggerTransformObject>;
  };

  return { transform, transformObject };
}
