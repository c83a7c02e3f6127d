import type { FastifySerializerCompiler } from 'fastify';
import fastJson, { type Schema } from 'fast-json-stringify';
import { z } from 'zod';

type Serialize = (data: unknown) => string;

/** Keywords that only constrain values: a serializer never needs them, and they make anyOf branch checks slower. */
const VALIDATION_ONLY = new Set([
  '$schema',
  'pattern',
  'propertyNames',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
]);

/**
 * Prepares a generated JSON schema for fast-json-stringify. Undeclared properties are dropped by
 * fast-json-stringify whatever `additionalProperties: false` says, so that keyword goes: within an
 * `anyOf` the branch is chosen by validating the value, and `false` there would refuse a value with
 * an extra property (a 500) where zod strips it.
 */
function forSerialization(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forSerialization);
  if (schema === null || typeof schema !== 'object') return schema;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (VALIDATION_ONLY.has(key)) continue;
    if (key === 'additionalProperties' && value === false) continue;
    if (key === 'properties' || key === 'definitions' || key === '$defs') {
      result[key] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([name, sub]) => [name, forSerialization(sub)]));
    } else if (key === 'const' || key === 'enum' || key === 'required' || key === 'default' || key === 'examples') {
      result[key] = value;
    } else {
      result[key] = forSerialization(value);
    }
  }
  return result;
}

/** The zod parse the type provider runs on every response: only for schemas JSON Schema cannot express. */
function zodSerializer(schema: z.ZodType, method: string, url: string): Serialize {
  return (data) => {
    const result = z.safeEncode(schema, data);
    if (!result.success) throw new Error(`response of ${method} ${url} does not match its schema`, { cause: result.error });
    return JSON.stringify(result.data);
  };
}

const compiled = new WeakMap<object, Serialize>();

/** A serializer for one response schema (zod or plain JSON Schema), compiled once per schema object. */
export function compileSerializer(schema: unknown, method = 'GET', url = '?'): Serialize {
  if (schema === null || typeof schema !== 'object') throw new Error(`response schema of ${method} ${url} is not a schema`);
  const cached = compiled.get(schema);
  if (cached) return cached;
  let serialize: Serialize;
  if (schema instanceof z.ZodType) {
    let jsonSchema: unknown;
    try {
      jsonSchema = z.toJSONSchema(schema, { io: 'output', target: 'draft-7', unrepresentable: 'throw', cycles: 'ref', reused: 'inline' });
    } catch {
      jsonSchema = undefined;
    }
    serialize = jsonSchema === undefined ? zodSerializer(schema, method, url) : fastJson(forSerialization(jsonSchema) as Schema);
  } else {
    serialize = fastJson(forSerialization(schema) as Schema);
  }
  compiled.set(schema, serialize);
  return serialize;
}

/**
 * Response serialization compiled from the routes' zod schemas (via their JSON Schema) with
 * fast-json-stringify, instead of a zod parse of every response: only declared properties reach the
 * client, so a row with extra columns (a password hash) cannot leak through a handler that returns it whole.
 */
export const serializerCompiler: FastifySerializerCompiler<unknown> = ({ schema, method, url }) => compileSerializer(schema, method, url);
