import { z } from 'zod';
import { ROLES, STAFF_ROLES } from '../../access/roles.js';
import { pageQuery } from '../../http/pagination.js';

export const userSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  ministry: z.string().nullable(),
  active: z.boolean(),
  mfaEnabled: z.boolean(),
  version: z.number().int().describe('Send it back in If-Match to change the account'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const email = z.email().max(254);
const name = z.string().trim().min(1).max(200);
const ministry = z.string().regex(/^[a-z][a-z_]{0,39}$/);

export const createUserBody = z.strictObject({
  email,
  name,
  role: z.enum(STAFF_ROLES),
  ministry: ministry.nullable().optional().describe('Required for committee_member and ministry_staff; none for admin; optional for auditor (none = both ministries)'),
});

const issuedCode = {
  activationCode: z.string().describe('One-time code to hand over in person; the person sets their own password with it at POST /auth/activate'),
  activationExpiresAt: z.string(),
};

export const createdUserSchema = userSchema.extend(issuedCode);

export const resetBody = z.strictObject({
  kind: z.enum(['activation', 'mfa']).describe('activation: a new activation code (the password stops working); mfa: the second factor is cleared'),
});

export const resetResult = z.object({
  status: z.enum(['done', 'pending']).describe('pending: an auditor account waits for a second admin to confirm'),
  resetId: z.uuid(),
  activationCode: issuedCode.activationCode.optional(),
  activationExpiresAt: issuedCode.activationExpiresAt.optional(),
});

export const activateBody = z.strictObject({
  code: z.string().trim().min(8).max(64).describe('The activation code handed over in person'),
  password: z.string().min(1).max(1024).describe('At least 12 characters, not a common password'),
});

export const updateUserBody = z
  .strictObject({
    name: name.optional(),
    role: z.enum(STAFF_ROLES).optional(),
    ministry: ministry.nullable().optional(),
    active: z.boolean().optional(),
    resetMfa: z.literal(true).optional().describe('Clears the second factor (lost device); the user enrols again'),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'nothing to change' });

export const listUsersQuery = z.strictObject({
  ...pageQuery,
  role: z.enum(STAFF_ROLES).optional(),
  ministry: ministry.optional(),
  active: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});

export const idParams = z.strictObject({ id: z.uuid() });
