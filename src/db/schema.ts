// Every table, for drizzle-kit and for the typed client. Tables live in their modules; this index is
// the one place outside a module that may name them (src/access queries through it).
export * from '../modules/reference/reference.table.js';
export * from '../modules/users/users.table.js';
export * from '../modules/auth/auth.table.js';
export * from '../modules/committees/committees.table.js';
export * from '../modules/audit/audit.table.js';
export * from '../modules/applications/applications.table.js';
export * from '../modules/applications/applicant.table.js';
export * from '../modules/registration/registration.table.js';
export * from '../modules/documents/documents.table.js';
export * from './jobs.table.js';
export * from './idempotency.table.js';
