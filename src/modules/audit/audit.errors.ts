import { AppError } from '../../http/errors.js';
import { registerMessages } from '../../http/i18n.js';

registerMessages({
  'audit.ministry_scoped': {
    en: 'The raw audit log spans both ministries; only auditors not scoped to one ministry may read or export it.',
    ar: 'يشمل سجل التدقيق الخام الوزارتين؛ لا يقرؤه أو يصدّره إلا المدققون غير المقيّدين بوزارة واحدة.',
  },
  'audit.checkpoint_incomplete': {
    en: 'Give both checkpointSeq and checkpointHash, or neither.',
    ar: 'أدخل checkpointSeq وcheckpointHash معاً، أو لا تدخل أياً منهما.',
  },
});

export const ministryScoped = () => new AppError({ status: 403, code: 'audit.ministry_scoped' });
export const checkpointIncomplete = () =>
  new AppError({ status: 400, code: 'audit.checkpoint_incomplete', errors: [{ path: '/checkpointHash', message: 'checkpointSeq and checkpointHash go together' }] });
