import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanText, isCalendarDate } from '../../src/modules/applications/applicant.fields.js';

/** What the check replaced: a date is a calendar day when `Date` reads it back unchanged. */
function byDate(v: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

/** What cleanText does to any text: its fast path for clean ASCII must give the same. */
function cleanedSlowly(value: string): string {
  return value
    .normalize('NFC')
    .replace(/[\t\n\r\v\f\u00A0\u2000-\u200A\u2028\u2029\u3000]/g, ' ')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(/ {2,}/g, ' ')
    .trim();
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('isCalendarDate', () => {
  it.each([
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['2000-02-29', true],
    ['1900-02-29', false],
    ['2025-04-31', false],
    ['2025-12-31', true],
    ['2025-13-01', false],
    ['2025-00-10', false],
    ['2025-01-00', false],
    ['0000-01-01', true],
    ['2025-1-01', false],
    ['2025-01-01 ', false],
    ['٢٠٢٥-٠١-٠١', false],
  ])('%s → %s', (value, expected) => {
    expect(isCalendarDate(value)).toBe(expected);
    expect(byDate(value)).toBe(expected);
  });

  it('agrees with reading the date back through Date, for every year, month and day shape', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), (year, month, day) => {
        const value = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
        expect(isCalendarDate(value)).toBe(byDate(value));
      }),
      { numRuns: 20_000 },
    );
  });

  it('refuses any other text, as Date did', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (value) => {
        expect(isCalendarDate(value)).toBe(byDate(value));
      }),
    );
  });
});

describe('cleanText', () => {
  it('gives what NFC, the whitespace and invisible-character rules and the trim give, clean ASCII or not', () => {
    const characters = fc.constantFrom('a', 'Z', '7', '-', '.', '@', '~', ' ', '  ', '\t', '\n', '\u00A0', '\u200B', '\u200F', '\u0000', '\u007F', 'ب', 'é', 'e\u0301', '\u0661');
    fc.assert(
      fc.property(fc.array(characters, { maxLength: 16 }), (parts) => {
        const value = parts.join('');
        expect(cleanText(value)).toBe(cleanedSlowly(value));
      }),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (value) => {
        expect(cleanText(value)).toBe(cleanedSlowly(value));
      }),
    );
  });
});
