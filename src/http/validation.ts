import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';

/**
 * Zod validation for request parts. Like fastify-type-provider-zod's compiler, but keeps the raw
 * issues (with their input, which is needed to phrase messages in Arabic and never sent back),
 * so the error handler can localize them.
 */
export const validatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema }) =>
  (data) => {
    const result = schema.safeParse(data, { reportInput: true });
    if (result.success) return { value: result.data };
    return { error: result.error.issues as never };
  };
