import type { Role } from './roles.js';

/**
 * Every permission a route can declare. Routes name one of these (or 'public') in
 * `config.permission`; the auth hook (src/http/auth.ts) checks it against ROLE_PERMISSIONS.
 * Object-level rules (ministry, own case, committee membership, chair) live in each module's policy.
 */
export const PERMISSIONS = [
  // any signed-in user
  'session:self',
  'reference:read',
  // admin
  'users:manage',
  'committees:manage',
  'reference:manage',
  // intake
  'registration_links:manage',
  'applications:create',
  'applications:import',
  'applications:list',
  'applications:read',
  'applications:update',
  'applications:act',
  'applications:history',
  'applications:duplicates',
  'documents:upload',
  'documents:read',
  // committee work
  'interviews:manage',
  'flags:manage',
  'decisions:record',
  // matching
  'departments:manage',
  'departments:read',
  'proposals:draft',
  'proposals:read',
  'proposals:approve',
  'proposals:recompute',
  // oversight
  'audit:read',
  'audit:verify',
  'audit:export',
  'reports:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** The one table of who may do what. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  applicant: [
    'session:self',
    'reference:read',
    'applications:read',
    'applications:update',
    'applications:act',
    'applications:history',
    'documents:upload',
    'documents:read',
  ],
  committee_member: [
    'session:self',
    'reference:read',
    'applications:list',
    'applications:read',
    'applications:update',
    'applications:act',
    'applications:history',
    'applications:duplicates',
    'documents:upload',
    'documents:read',
    'interviews:manage',
    'flags:manage',
    'decisions:record',
    'departments:read',
    'proposals:draft',
    'proposals:read',
    'proposals:recompute',
    'reports:read',
  ],
  ministry_staff: [
    'session:self',
    'reference:read',
    'registration_links:manage',
    'applications:create',
    'applications:import',
    'applications:list',
    'applications:read',
    'applications:act',
    'applications:history',
    'applications:duplicates',
    'documents:upload',
    'documents:read',
    'flags:manage',
    'departments:manage',
    'departments:read',
    'proposals:read',
    'proposals:approve',
    'reports:read',
  ],
  auditor: [
    'session:self',
    'reference:read',
    'applications:list',
    'applications:read',
    'applications:history',
    'applications:duplicates',
    'documents:read',
    'departments:read',
    'proposals:read',
    'proposals:recompute',
    'audit:read',
    'audit:verify',
    'audit:export',
    'reports:read',
  ],
  admin: ['session:self', 'reference:read', 'reference:manage', 'users:manage', 'committees:manage'],
};

export function roleHas(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
