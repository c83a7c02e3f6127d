import { defineError } from '../../http/errors.js';
import type { CaseAction, GuardName } from './applications.transitions.js';

export const notAllowed = defineError({
  code: 'transition.not_allowed',
  status: 409,
  en: 'This action is not possible on the case now; see allowedActions.',
  ar: 'لا يمكن تنفيذ هذا الإجراء على الملف الآن؛ راجع قائمة الإجراءات المتاحة.',
});

export const guardNotKept = defineError({
  code: 'transition.guard_unavailable',
  status: 409,
  en: 'This action cannot be checked yet: the records it depends on are not kept by this version.',
  ar: 'لا يمكن التحقق من هذا الإجراء بعد: السجلات التي يعتمد عليها غير متوفرة في هذا الإصدار.',
});

export const noteRequired = defineError({
  code: 'transition.note_required',
  status: 400,
  en: 'Staff acting on the officer’s word must give a note.',
  ar: 'على الموظف الذي يتصرف بناءً على كلام الضابط أن يكتب ملاحظة.',
  errors: [{ path: '/note', code: 'required' }],
});

export const outcomeRequired = defineError({
  code: 'transition.outcome_required',
  status: 400,
  en: 'This decision needs an outcome.',
  ar: 'يتطلب هذا القرار تحديد النتيجة.',
  errors: [{ path: '/outcome', code: 'required' }],
});

/** 409 with the actions the caller may take on the case as it is now. */
export const transitionNotAllowed = (allowedActions: CaseAction[]) => notAllowed({ extensions: { allowedActions } });
/** 409: a guard of this transition needs data this version does not keep yet; it never passes silently. */
export const guardUnavailable = (guard: GuardName) => guardNotKept({ extensions: { guard } });
