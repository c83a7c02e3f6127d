import { z } from 'zod';

/** Years a date filter may name: PostgreSQL stores far more, but nothing this service keeps is older or newer. */
export const FILTER_YEARS = { min: 1900, max: 9999 } as const;

/**
 * An ISO-8601 date-time with an offset, bounded to years 1900–9999, so that every accepted value is a
 * valid PostgreSQL timestamp (year 0000 is not, and `new Date()` of it would be a 500 further on).
 */
export function boundedDateTime() {
  return z.iso.datetime({ offset: true }).refine(
    (value) => {
      const time = Date.parse(value);
      if (Number.isNaN(time)) return false;
      const year = new Date(time).getUTCFullYear();
      return year >= FILTER_YEARS.min && year <= FILTER_YEARS.max;
    },
    { message: `must be a time in the years ${FILTER_YEARS.min}–${FILTER_YEARS.max}` },
  );
}
