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

export const caseClosedForEdits = defineError({
  code: 'application.closed_for_edits',
  status: 409,
  en: 'This case is closed; its data can no longer be corrected.',
  ar: 'هذا الملف مغلق؛ لم يعد بالإمكان تصحيح بياناته.',
});

export const identityLocked = defineError({
  code: 'application.identity_locked',
  status: 409,
  en: 'Identity fields can be corrected only while the case is submitted; afterwards ask for a change through the committee.',
  ar: 'لا يمكن تصحيح بيانات الهوية إلا قبل بدء دراسة الطلب؛ بعد ذلك اطلب التعديل عن طريق اللجنة.',
});

export const residenceInconsistent = defineError({
  code: 'application.residence_inconsistent',
  status: 400,
  en: 'insideSyria and residenceCountry disagree.',
  ar: 'مكان الإقامة داخل سوريا لا يتفق مع بلد الإقامة.',
  errors: [{ path: '/body/applicant/insideSyria', code: 'inconsistent' }],
});
