import { defineError } from '../../http/errors.js';

export const ministryScoped = defineError({
  code: 'audit.ministry_scoped',
  status: 403,
  en: 'The raw audit log spans both ministries; only auditors not scoped to one ministry may read or export it.',
  ar: 'يشمل سجل التدقيق الخام الوزارتين؛ لا يقرؤه أو يصدّره إلا المدققون غير المقيّدين بوزارة واحدة.',
});

export const checkpointIncomplete = defineError({
  code: 'audit.checkpoint_incomplete',
  status: 400,
  en: 'Give both checkpointSeq and checkpointHash, or neither.',
  ar: 'أدخل checkpointSeq وcheckpointHash معاً، أو لا تدخل أياً منهما.',
  errors: [{ path: '/checkpointHash' }],
});
