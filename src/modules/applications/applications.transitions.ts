import type { CaseStatus } from './applications.state.js';

/**
 * The case lifecycle of DESIGN §3 as data: from status → action → { to, who, guards }. The
 * transition engine (applications.workflow.ts) reads nothing else, and the tests are generated from
 * it, so this table is the whole state machine.
 *
 * `who` lists alternatives (any one suffices):
 *   member          a member of the case's committee, not recused
 *   chair           a chair of the case's committee, not recused
 *   panel_member    a member of the interview's panel (the `on_panel` guard checks the panel itself)
 *   applicant       the applicant who owns the case
 *   ministry_staff  ministry staff of the case's ministry
 *   staff           committee members and ministry staff of the case's ministry
 *
 * `guards` are named checks, run in order after `who`; see GUARDS in applications.workflow.ts. A
 * guard whose data does not exist yet (interviews, flags, decisions, proposals) is registered
 * without an implementation and refuses with 409 `transition.guard_unavailable`: it never passes
 * silently.
 *
 * `to` is a status; `{ outcome }` when the decision's outcome picks it; `'held_status'` for the
 * status a case on hold left.
 */

export const CASE_ACTIONS = [
  'screen',
  'schedule',
  'reschedule',
  'cancel_interview',
  'no_show',
  'record',
  'decide',
  'merge',
  'hold',
  'release',
  'appeal',
  'reopen',
  'uphold',
  'propose',
  'return',
  'assign',
  'decline',
  'withdraw',
] as const;
export type CaseAction = (typeof CASE_ACTIONS)[number];

export const WHO = ['member', 'chair', 'panel_member', 'applicant', 'ministry_staff', 'staff'] as const;
export type Who = (typeof WHO)[number];

export const GUARD_NAMES = [
  /** Staff acting on the officer's word give a note (withdraw, decline). */
  'note_from_staff',
  /** The caller sits on the interview's panel. */
  'on_panel',
  /** A panel of at least two members, none recused, none double-booked. */
  'panel_ready',
  /** The interview is recorded once, with the recorder's scorecard. */
  'interview_recordable',
  /** No open vetting flag on the case. */
  'no_open_flag',
  /** No unresolved probable duplicate. */
  'no_probable_duplicate',
  /** A note when the decision goes against an advisory. */
  'note_against_advisory',
  /** At least one recorded no-show (the `did_not_attend` decision). */
  'no_show_recorded',
  /** The kept case is in the same ministry and not final. */
  'merge_target_valid',
  /** The hold comes from a vetting flag being opened. */
  'flag_opened',
  /** The last open flag is resolved, by a chair who did not raise it. */
  'last_flag_resolved',
  /** Within APPEAL_WINDOW_DAYS of the decision. */
  'appeal_window',
  /** The chair is not the one who decided the case. */
  'not_the_decider',
  /** The case is in no other submitted proposal. */
  'not_in_other_proposal',
  /** The proposal is being returned. */
  'proposal_returned',
  /** The approver is neither the proposal's author nor its submitter, and nothing changed since submission. */
  'proposal_approvable',
  /** Within DECLINE_WINDOW_DAYS of the assignment. */
  'decline_window',
  /** `ineligible` and `assigned` are final once their appeal or decline window has passed (or the appeal was upheld). */
  'not_final',
] as const;
export type GuardName = (typeof GUARD_NAMES)[number];

export const DECISION_OUTCOMES = ['full', 'requalification', 'administrative_only', 'ineligible'] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

export type Target = CaseStatus | 'held_status' | { outcome: Record<DecisionOutcome, CaseStatus> };

export interface Transition {
  to: Target;
  who: readonly Who[];
  guards: readonly GuardName[];
}

// Rows every non-final status has (DESIGN §3 "any non-final").
const hold = { to: 'on_hold', who: ['member', 'ministry_staff'], guards: ['flag_opened'] } as const satisfies Transition;
const withdraw = { to: 'withdrawn', who: ['applicant', 'ministry_staff'], guards: ['note_from_staff'] } as const satisfies Transition;
// `ineligible` and `assigned` are non-final only within their windows.
const holdUnlessFinal = { ...hold, guards: ['not_final', ...hold.guards] } as const satisfies Transition;
const withdrawUnlessFinal = { ...withdraw, guards: ['not_final', ...withdraw.guards] } as const satisfies Transition;

const decided = { full: 'eligible', requalification: 'eligible', administrative_only: 'eligible', ineligible: 'ineligible' } as const;

/* prettier-ignore */
export const TRANSITIONS = {
  submitted: {
    screen:           { to: 'screening',           who: ['member'],                guards: [] },
    hold, withdraw,
  },
  screening: {
    schedule:         { to: 'interview_scheduled', who: ['member'],                guards: ['panel_ready'] },
    decide:           { to: 'ineligible',          who: ['chair'],                 guards: ['no_show_recorded'] },
    merge:            { to: 'merged',              who: ['chair'],                 guards: ['merge_target_valid'] },
    hold, withdraw,
  },
  interview_scheduled: {
    reschedule:       { to: 'interview_scheduled', who: ['member'],                guards: ['panel_ready'] },
    cancel_interview: { to: 'screening',           who: ['panel_member'],          guards: ['on_panel'] },
    no_show:          { to: 'screening',           who: ['panel_member'],          guards: ['on_panel'] },
    record:           { to: 'interviewed',         who: ['panel_member'],          guards: ['on_panel', 'interview_recordable'] },
    hold, withdraw,
  },
  interviewed: {
    decide:           { to: { outcome: decided }, who: ['chair'],                  guards: ['no_open_flag', 'no_probable_duplicate', 'note_against_advisory'] },
    hold, withdraw,
  },
  eligible: {
    propose:          { to: 'proposed',            who: ['chair'],                 guards: ['not_in_other_proposal'] },
    hold, withdraw,
  },
  proposed: {
    return:           { to: 'eligible',            who: ['ministry_staff'],        guards: ['proposal_returned'] },
    assign:           { to: 'assigned',            who: ['ministry_staff'],        guards: ['proposal_approvable'] },
    hold, withdraw,
  },
  assigned: {
    decline:          { to: 'eligible',            who: ['applicant', 'staff'],    guards: ['decline_window', 'note_from_staff'] },
    hold: holdUnlessFinal, withdraw: withdrawUnlessFinal,
  },
  ineligible: {
    appeal:           { to: 'appealed',            who: ['applicant'],             guards: ['appeal_window'] },
    hold: holdUnlessFinal, withdraw: withdrawUnlessFinal,
  },
  appealed: {
    reopen:           { to: 'screening',           who: ['chair'],                 guards: ['not_the_decider'] },
    uphold:           { to: 'ineligible',          who: ['chair'],                 guards: ['not_the_decider'] },
    hold, withdraw,
  },
  on_hold: {
    release:          { to: 'held_status',         who: ['chair'],                 guards: ['last_flag_resolved'] },
    withdraw,
  },
  withdrawn: {},
  merged: {},
} as const satisfies Record<CaseStatus, Partial<Record<CaseAction, Transition>>>;

/** The row for `action` from `status`, if the table has one. */
export function transitionFrom(status: CaseStatus, action: CaseAction): Transition | undefined {
  const row: Partial<Record<CaseAction, Transition>> = TRANSITIONS[status];
  return row[action];
}

/** Every (from, action) row of the table, in table order (for the engine's callers and the generated tests). */
export function transitionRows(): { from: CaseStatus; action: CaseAction; rule: Transition }[] {
  return Object.entries(TRANSITIONS).flatMap(([from, actions]) =>
    Object.entries(actions as Partial<Record<CaseAction, Transition>>).map(([action, rule]) => ({ from: from as CaseStatus, action: action as CaseAction, rule: rule })),
  );
}

/** The actions of `status` whose `who` the caller satisfies (`satisfies` answers for one alternative), in table order. */
export function allowedActions(status: CaseStatus, satisfies: (who: Who) => boolean): CaseAction[] {
  const rows: Partial<Record<CaseAction, Transition>> = TRANSITIONS[status];
  return (Object.keys(rows) as CaseAction[]).filter((action) => rows[action]!.who.some(satisfies));
}
