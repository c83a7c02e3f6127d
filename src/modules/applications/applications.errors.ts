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

// Batch import (POST /applications/import).

export const importInvalidRows = defineError({
  code: 'import.invalid_rows',
  status: 400,
  en: 'Rows of the batch that are not valid: {rows}. Nothing was imported; each error names its line and field.',
  ar: 'عدد الصفوف غير الصالحة في الدفعة: {rows}؛ لم يُستورد أي شيء. كل خطأ يذكر رقم السطر والحقل.',
});

export const importUnknownColumns = defineError({
  code: 'import.unknown_columns',
  status: 400,
  en: 'The file names columns the API does not know, or names one twice: {columns}. Nothing was imported.',
  ar: 'يحتوي الملف على أعمدة غير معروفة أو مكررة: {columns}. لم يُستورد أي شيء.',
});

export const importMissingColumns = defineError({
  code: 'import.missing_columns',
  status: 400,
  en: 'The file lacks required columns: {columns} (a national ID or a service number column is needed). Nothing was imported.',
  ar: 'ينقص الملف أعمدة مطلوبة: {columns} (يلزم عمود للرقم الوطني أو للرقم العسكري). لم يُستورد أي شيء.',
});

export const importMalformed = defineError({
  code: 'import.malformed',
  status: 400,
  en: 'The file cannot be read: {reason}. Nothing was imported.',
  ar: 'تعذرت قراءة الملف: {reason}. لم يُستورد أي شيء.',
});

export const importNotUtf8 = defineError({
  code: 'import.not_utf8',
  status: 400,
  en: 'The file is not UTF-8 text. Save it as UTF-8 (with or without a byte order mark) and send it again.',
  ar: 'الملف ليس نصاً بترميز يونيكود الموحد. احفظه بهذا الترميز وأرسله مرة أخرى.',
});

export const importEmpty = defineError({
  code: 'import.empty',
  status: 400,
  en: 'The batch holds no rows.',
  ar: 'لا تحتوي الدفعة على أي صف.',
});

export const importTooManyRows = defineError({
  code: 'import.too_many_rows',
  status: 413,
  en: 'The batch holds {rows} rows; at most {limit} are taken at once. Split it and send the parts.',
  ar: 'تحتوي الدفعة على {rows} صفاً؛ والحد الأقصى في المرة الواحدة {limit}. قسّمها وأرسل الأجزاء.',
});

export const importUnsupportedType = defineError({
  code: 'import.unsupported_media_type',
  status: 415,
  en: 'Send the batch as text/csv or application/json, in UTF-8.',
  ar: 'أرسل الدفعة جدولاً نصياً مفصولاً بالفواصل أو مصفوفة JSON، بترميز يونيكود الموحد.',
});
