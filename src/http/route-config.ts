import type { Permission } from '../access/permissions.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Required on every route: a permission from src/access/permissions.ts, or 'public'. */
    permission?: Permission | 'public';
    /** Responses carry personal data: Cache-Control: no-store (the default for every route anyway). */
    cache?: 'no-store' | 'public-reference';
    /**
     * The OpenAPI request body, for a route whose body is not one zod schema (raw CSV or JSON bytes,
     * multipart): it replaces what the route's schema would produce (src/http/openapi.ts).
     */
    openapiRequestBody?: Record<string, unknown>;
  }
}

export {};
