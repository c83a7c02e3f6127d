/**
 * Case statuses (DESIGN §3). The transition table (applications.transitions.ts) is keyed by this
 * list, and the database enum is made from it.
 */
export const CASE_STATUSES = [
  'submitted',
  'screening',
  'on_hold',
  'interview_scheduled',
  'interviewed',
  'eligible',
  'ineligible',
  'appealed',
  'proposed',
  'assigned',
  'withdrawn',
  'merged',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const CASE_CHANNELS = ['link', 'walk_in', 'batch_import'] as const;
export type CaseChannel = (typeof CASE_CHANNELS)[number];

/** What audit entries about a case use as their entity type, so its history can be read back. */
export const CASE_ENTITY = 'application';
