import { describe, expect, it } from 'vitest';
import { foldArabic, foldLatin } from '../../src/modules/applications/applicant.fields.js';

/** The folds duplicate detection compares names by (DESIGN §7), one rule at a time. */

describe('foldArabic', () => {
  it.each([
    ['hamza-above alef أ', 'أحمد', 'احمد'],
    ['hamza-below alef إ', 'إبراهيم', 'ابراهيم'],
    ['madda alef آ', 'آدم', 'ادم'],
    ['wasla alef ٱ', 'ٱبن', 'ابن'],
    ['ta marbuta ة', 'حمزة', 'حمزه'],
    ['alef maqsura ى', 'مصطفى', 'مصطفي'],
    ['hamza on waw ؤ', 'مؤمن', 'مومن'],
    ['hamza on ya ئ', 'هانئ', 'هاني'],
    ['Persian ya ی', 'یوسف', 'يوسف'],
    ['Persian kaf ک', 'کمال', 'كمال'],
    ['diacritics (fatha, damma, kasra, shadda, sukun, tanwin)', 'مُحَمَّدٌ سِرْحان', 'محمد سرحان'],
    ['superscript alef', 'رحمٰن', 'رحمن'],
    ['tatweel', 'مـحـمـد', 'محمد'],
    ['runs of spaces, leading and trailing', '  محمد   أحمد ', 'محمد احمد'],
    ['the article on a word', 'الحسن', 'حسن'],
    ['the article as a word of its own', 'ال حسن', 'حسن'],
    ['zero-width characters', 'مح\u200Cمد\u200F', 'محمد'],
    ['a decomposed madda (alef + combining madda)', 'ا\u0653دم', 'ادم'],
  ])('folds %s', (_rule, input, folded) => {
    expect(foldArabic(input)).toBe(folded);
  });

  it('keeps a short word that only begins like the article, and letters it does not fold', () => {
    expect(foldArabic('الي')).toBe('الي');
    expect(foldArabic('علي')).toBe('علي');
    expect(foldArabic('عبد الله')).toBe(foldArabic('عبد  اللّه'));
  });

  it('makes the spellings of one name equal: محمّد الحسن and محمد حسن, أسامة and اسامه', () => {
    expect(foldArabic('محمّد الحسن')).toBe(foldArabic('محمد حسن'));
    expect(foldArabic('أسامة')).toBe(foldArabic('اسامه'));
    expect(foldArabic('مصطفى الحمويّ')).toBe(foldArabic('مصطفي حموي'));
  });

  it('keeps different names apart', () => {
    expect(foldArabic('محمد حسن')).not.toBe(foldArabic('محمود حسن'));
    expect(foldArabic('حسن')).not.toBe(foldArabic('حسين'));
  });
});

describe('foldLatin', () => {
  it.each([
    ['case', 'HASAN', 'hasan'],
    ['the article al- with a hyphen', 'al-Hasan', 'hasan'],
    ['the article el- with a hyphen', 'El-Hasan', 'hasan'],
    ['the article al as a word', 'al Hasan', 'hasan'],
    ['the article el as a word', 'El Hasan', 'hasan'],
    ['an assimilated article (ash-, ad-, ar-)', 'ash-Shami ad-Dimashqi ar-Rifai', 'shami dimashqi rifai'],
    ['hyphens between words', 'Abdul-Karim', 'abdul karim'],
    ['ou as u', 'Nour', 'nur'],
    ['oo as u', 'Noor', 'nur'],
    ['ee as i', 'Saeed', 'said'],
    ['doubled letters', 'Hassan Abbas', 'hasan abas'],
    ['accents', 'Saïd Hélou', 'said helu'],
    ['apostrophes for ayn and hamza', "Sa'id Ma’mun", 'said mamun'],
    ['runs of spaces', '  Omar   Khaled ', 'omar khaled'],
  ])('folds %s', (_rule, input, folded) => {
    expect(foldLatin(input)).toBe(folded);
  });

  it.each(['Mohammad', 'Muhammad', 'Mohamed', 'Mohammed', 'Muhamad', 'Mohamad', 'Muhammed', 'Mouhammad', 'MOHAMMED'])('folds %s to one Muhammad', (spelling) => {
    expect(foldLatin(spelling)).toBe('muhamad');
  });

  it('makes the spellings of one name equal: Mohamed El-Hassan and Muhammad al Hasan', () => {
    expect(foldLatin('Mohamed El-Hassan')).toBe(foldLatin('Muhammad al Hasan'));
    expect(foldLatin('Youssef Al-Shami')).toBe(foldLatin('Yousef ash-Shami'));
  });

  it('keeps words that only begin like the article, and different names apart', () => {
    expect(foldLatin('Ali Alaa')).toBe('ali ala');
    expect(foldLatin('Alexander')).toBe('alexander');
    expect(foldLatin('Mahmoud Hasan')).not.toBe(foldLatin('Muhammad Hasan'));
    expect(foldLatin('Hasan')).not.toBe(foldLatin('Husein'));
  });
});
