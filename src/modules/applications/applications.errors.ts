import { AppError, badRequest, conflict } from '../../http/errors.js';
import { registerMessages } from '../../http/i18n.js';
import type { CaseAction, GuardName } from './applications.transitions.js';

registerMessages({
  'transition.not_allowed': {
    en: 'This action is not possible on the case now; see allowedActions.',
    ar: 'لا يمكن تنفيذ هذا الإجراء على الملف الآن؛ راجع قائمة الإجراءات المتاحة.',
  },
  'transition.guard_unavailable': {
    en: 'This action cannot be checked yet: the records it depends on are not kept by this version.',
    ar: 'لا يمكن التحقق من هذا الإجراء بعد: السجلات التي يعتمد عليها غير متوفرة في هذا الإصدار.',
  },
  'transition.note_required': {
    en: 'Staff acting on the officer’s word must give a note.',
    ar: 'على الموظف الذي يتصرف بناءً على كلام الضابط أن يكتب ملاحظة.',
  },
  'transition.outcome_required': { en: 'This decision needs an outcome.', ar: 'يتطلب هذا القرار تحديد النتيجة.' },
});

/** 409 with the actions the caller may take on the case as it is now. */
export const transitionNotAllowed = (allowedActions: CaseAction[]) => conflict('transition.not_allowed', { allowedActions });
/** 409: a guard of this transition needs data this version does not keep yet; it never passes silently. */
export const guardUnavailable = (guard: GuardName) => conflict('transition.guard_unavailable', { guard });
export const noteRequired = () =>
  new AppError({ status: 400, code: 'transition.note_required', errors: [{ path: '/note', message: 'a note is required', code: 'required' }] });
export const outcomeRequired = () => badRequest('transition.outcome_required', [{ path: '/outcome', message: 'an outcome is required', code: 'required' }]);
