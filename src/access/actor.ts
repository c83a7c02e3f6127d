import type { Role } from './roles.js';

/** The signed-in caller, loaded from the database on every request (not from the token). */
export interface Actor {
  id: string;
  role: Role;
  ministry: string | null;
  email: string;
  name: string;
  /** Staff who signed in with a second factor (or applicants, for whom it is optional). */
  mfa: boolean;
}
