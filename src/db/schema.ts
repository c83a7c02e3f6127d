// Every table, for drizzle-kit and for the typed client. Tables live in their modules.
export * from '../modules/reference/reference.table.js';
export * from '../modules/users/users.table.js';
export * from '../modules/audit/audit.table.js';
export * from '../modules/applications/applications.table.js';
export * from '../http/idempotency.table.js';
