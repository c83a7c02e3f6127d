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

/**
 * Past these, a case takes no more changes from the officer's side (data corrections, documents):
 * assigned, placed; withdrawn and merged, closed. (`ineligible` and `assigned` become final only
 * once their appeal or decline window has passed, which needs the decision records; until then
 * `ineligible` stays open, so an appeal can bring its evidence.)
 */
export const CLOSED_STATUSES: readonly CaseStatus[] = ['withdrawn', 'merged', 'assigned'];

export const CASE_CHANNELS = ['link', 'walk_in', 'batch_import'] as const;
export type CaseChannel = (typeof CASE_CHANNELS)[number];

/** What audit entries about a case use as their entity type, so its history can be read back. */
export const CASE_ENTITY = 'application';
