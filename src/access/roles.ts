export const STAFF_ROLES = ['committee_member', 'ministry_staff', 'auditor', 'admin'] as const;
export const ROLES = ['applicant', ...STAFF_ROLES] as const;
export type Role = (typeof ROLES)[number];
export type StaffRole = (typeof STAFF_ROLES)[number];
