import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationIdFor } from '../../src/http/openapi.js';
import { createTestApp, type TestApp } from '../harness.js';

interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}
interface OpenApi {
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

let t: TestApp;
let doc: OpenApi;
beforeAll(async () => {
  t = await createTestApp({ PUBLIC_BASE_URL: 'https://cases.ministry.example.gov' });
  doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json<OpenApi>();
});
afterAll(() => t.close());

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ path, method, operation })));
function byOperationId<T>(pick: (operation: Operation) => T): Record<string, T> {
  return Object.fromEntries(operations().map(({ operation }): [string, T] => [operation.operationId ?? '', pick(operation)]));
}

describe('OpenAPI document for client generation', () => {
  it('names its server from PUBLIC_BASE_URL', () => {
    expect(doc.servers).toEqual([{ url: 'https://cases.ministry.example.gov' }]);
  });

  it('derives operationIds from method and route: camelCase, readable, unique', () => {
    expect(operationIdFor('GET', '/users/:id')).toBe('getUser');
    expect(operationIdFor('POST', '/auth/login')).toBe('postAuthLogin');
    expect(operationIdFor('GET', '/applications/:id/history')).toBe('getApplicationHistory');
    expect(operationIdFor('PUT', '/committees/:id/members/:userId')).toBe('putCommitteeMember');
    expect(operationIdFor('GET', '/reference/specializations')).toBe('getReferenceSpecializations');
    const ids = operations().map(({ operation }) => operation.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]*$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('declares security on every operation: bearer unless public, explicitly none when public', () => {
    expect(doc.components.securitySchemes).toHaveProperty('bearer');
    const byId = byOperationId((operation) => operation.security);
    for (const { operation } of operations()) expect(operation.security).toBeDefined();
    expect(byId.postAuthLogin).toEqual([]);
    expect(byId.getReferenceRanks).toEqual([]);
    expect(byId.getMe).toEqual([{ bearer: [] }]);
    expect(byId.getUser).toEqual([{ bearer: [] }]);
  });

  it('documents problem responses with the one shared Problem schema', () => {
    expect(doc.components.schemas).toHaveProperty('Problem');
    for (const { path, method, operation } of operations()) {
      const problems = Object.entries(operation.responses).filter(([status]) => Number(status) >= 400);
      expect(problems.map(([status]) => status), `${method} ${path}`).toEqual(expect.arrayContaining(['500']));
      for (const [, response] of problems) {
        expect(response.content?.['application/problem+json']?.schema).toEqual({ $ref: '#/components/schemas/Problem' });
      }
      if ((operation.security ?? []).length > 0) expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
      if (path.includes('{')) expect(Object.keys(operation.responses)).toContain('404');
    }
    const byId = byOperationId((operation) => Object.keys(operation.responses));
    expect(byId.postAuthLogin).toEqual(expect.arrayContaining(['400', '401', '413', '415', '429']));
    expect(byId.patchUser).toEqual(expect.arrayContaining(['409', '412', '428']));
  });

  it('generates a typed client (openapi-typescript) that type-checks calls against the contract', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openapi-client-'));
    try {
      writeFileSync(join(dir, 'api.ts'), astToString(await openapiTS(doc as never)));
      writeFileSync(
        join(dir, 'usage.ts'),
        `import type { components, operations, paths } from './api.js';

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;

const login: operations['postAuthLogin']['requestBody']['content']['application/json'] = { email: 'ops@example.org', password: 'olive-tree-harbour-1987' };
// @ts-expect-error email is a string
const wrongLogin: operations['postAuthLogin']['requestBody']['content']['application/json'] = { email: 1, password: 'x' };
// @ts-expect-error password is required
const noPassword: operations['postAuthLogin']['requestBody']['content']['application/json'] = { email: 'ops@example.org' };

const locked: operations['postAuthLogin']['responses'][429]['content']['application/problem+json'] = {
  type: 'urn:problem:auth.locked', title: 'Too Many Requests', status: 429, detail: 'Locked', instance: '/auth/login', code: 'auth.locked', requestId: 'r1',
};
const retryAfter: operations['postAuthLogin']['responses'][429]['headers']['Retry-After'] = 30;
const problem: components['schemas']['Problem'] = locked;

type User = Json<operations['getUser']['responses'][200]>;
const userId: string = ({} as User).id;
const active: boolean = ({} as User).active;
const params: paths['/users/{id}']['get']['parameters']['path'] = { id: userId };
// @ts-expect-error a user has no password in any response
const leaked = ({} as User).password;
// @ts-expect-error no such operation
type Missing = operations['getNothing'];

export { login, wrongLogin, noPassword, retryAfter, problem, active, params, leaked };
`,
      );
      const program = ts.createProgram({
        rootNames: [join(dir, 'usage.ts')],
        options: {
          strict: true,
          noEmit: true,
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.NodeNext,
          moduleResolution: ts.ModuleResolutionKind.NodeNext,
          lib: ['lib.es2022.d.ts'],
          types: [],
          skipLibCheck: true,
        },
      });
      const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(diagnostics).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
