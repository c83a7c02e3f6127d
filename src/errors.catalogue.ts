import * as accessErrors from './access/access.errors.js';
import { type ErrorDefinition, isErrorFactory } from './http/errors.js';
import * as httpErrors from './http/http.errors.js';
import * as applicationsErrors from './modules/applications/applications.errors.js';
import * as auditErrors from './modules/audit/audit.errors.js';
import * as authErrors from './modules/auth/auth.errors.js';
import * as committeesErrors from './modules/committees/committees.errors.js';
import * as documentsErrors from './modules/documents/documents.errors.js';
import * as referenceErrors from './modules/reference/reference.errors.js';
import * as registrationErrors from './modules/registration/registration.errors.js';
import * as usersErrors from './modules/users/users.errors.js';

/**
 * Every `*.errors.ts`, listed here by hand: the catalogue of codes the API answers with is derived
 * from their definitions, so nothing has to register itself and a missing file is a failing test
 * (test/foundation/errors.test.ts), not a missing message.
 */
export const errorModules = {
  'src/http/http.errors.ts': httpErrors,
  'src/access/access.errors.ts': accessErrors,
  'src/modules/applications/applications.errors.ts': applicationsErrors,
  'src/modules/audit/audit.errors.ts': auditErrors,
  'src/modules/auth/auth.errors.ts': authErrors,
  'src/modules/committees/committees.errors.ts': committeesErrors,
  'src/modules/documents/documents.errors.ts': documentsErrors,
  'src/modules/reference/reference.errors.ts': referenceErrors,
  'src/modules/registration/registration.errors.ts': registrationErrors,
  'src/modules/users/users.errors.ts': usersErrors,
} as const;

/** Each defined error once, in module order: code, status and both messages. */
export const errorCatalogue: readonly Readonly<ErrorDefinition>[] = Object.values(errorModules).flatMap((exports) =>
  Object.values(exports)
    .filter(isErrorFactory)
    .map((factory) => factory.definition),
);
