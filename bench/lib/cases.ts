/**
 * Cases of other officers for the suites that measure at scale (duplicates, registration): names drawn
 * from common Syrian first and family names — few distinct trigrams, so the similar-name search has no
 * rare trigram to lean on — and birth dates over fifty years, inserted set-based without flagging.
 */
import { foldArabic, foldLatin } from '../../src/modules/applications/applicant.fields.js';

const FIRST: [string, string][] = [
  ['محمد', 'Mohammad'], ['أحمد', 'Ahmad'], ['علي', 'Ali'], ['محمود', 'Mahmoud'], ['خالد', 'Khaled'], ['عمر', 'Omar'], ['حسن', 'Hasan'],
  ['حسين', 'Hussein'], ['مصطفى', 'Mustafa'], ['إبراهيم', 'Ibrahim'], ['يوسف', 'Youssef'], ['عبد الله', 'Abdullah'], ['سامر', 'Samer'],
  ['فادي', 'Fadi'], ['رامي', 'Rami'], ['باسل', 'Basel'], ['وائل', 'Wael'], ['ماهر', 'Maher'], ['زياد', 'Ziad'], ['طارق', 'Tarek'],
  ['نبيل', 'Nabil'], ['جمال', 'Jamal'], ['كمال', 'Kamal'], ['سليمان', 'Suleiman'], ['عادل', 'Adel'], ['هشام', 'Hisham'], ['وليد', 'Walid'],
  ['ياسر', 'Yaser'], ['أنس', 'Anas'], ['بلال', 'Bilal'], ['حمزة', 'Hamza'], ['عمار', 'Ammar'], ['أيمن', 'Ayman'], ['أسامة', 'Osama'],
  ['مازن', 'Mazen'], ['غسان', 'Ghassan'], ['فراس', 'Firas'], ['لؤي', 'Louay'], ['عماد', 'Imad'], ['صلاح', 'Salah'], ['سعيد', 'Saeed'],
  ['ناصر', 'Nasser'], ['إياد', 'Iyad'], ['حازم', 'Hazem'], ['هيثم', 'Haitham'], ['عدنان', 'Adnan'], ['مروان', 'Marwan'], ['سمير', 'Samir'],
];
const FAMILY: [string, string][] = [
  ['الحموي', 'Al-Hamwi'], ['الحلبي', 'Al-Halabi'], ['الشامي', 'Al-Shami'], ['الحمصي', 'Al-Homsi'], ['الإدلبي', 'Al-Idlibi'], ['الخطيب', 'Al-Khatib'],
  ['العلي', 'Al-Ali'], ['الأحمد', 'Al-Ahmad'], ['الحسن', 'Al-Hasan'], ['العمر', 'Al-Omar'], ['الخليل', 'Al-Khalil'], ['السيد', 'Al-Sayed'],
  ['النجار', 'Al-Najjar'], ['الحداد', 'Al-Haddad'], ['العطار', 'Al-Attar'], ['الخياط', 'Al-Khayyat'], ['الزعبي', 'Al-Zoubi'], ['المقداد', 'Al-Miqdad'],
  ['الحريري', 'Al-Hariri'], ['الرفاعي', 'Al-Rifai'], ['القاسم', 'Al-Qasem'], ['الصالح', 'Al-Saleh'], ['الموسى', 'Al-Mousa'], ['العيسى', 'Al-Issa'],
  ['اليوسف', 'Al-Youssef'], ['السليمان', 'Al-Suleiman'], ['الحمود', 'Al-Hamoud'], ['الجاسم', 'Al-Jasem'], ['العثمان', 'Al-Othman'], ['الدباغ', 'Al-Dabbagh'],
  ['الطحان', 'Al-Tahhan'], ['الكردي', 'Al-Kurdi'], ['البدوي', 'Al-Badawi'], ['الحوراني', 'Al-Hourani'], ['قباني', 'Qabbani'], ['العظمة', 'Al-Azmeh'],
  ['الأتاسي', 'Al-Atassi'], ['الجابري', 'Al-Jabiri'], ['الشهابي', 'Al-Shihabi'], ['الأيوبي', 'Al-Ayoubi'], ['دياب', 'Diab'], ['حداد', 'Haddad'],
  ['نصر', 'Nasr'], ['شحادة', 'Shehadeh'], ['سلوم', 'Salloum'], ['خوري', 'Khoury'], ['معلوف', 'Maalouf'], ['زيدان', 'Zeidan'], ['عبود', 'Abboud'],
  ['حمدان', 'Hamdan'], ['رمضان', 'Ramadan'], ['سلطان', 'Sultan'], ['مراد', 'Murad'], ['البيطار', 'Al-Bitar'], ['الصباغ', 'Al-Sabbagh'],
  ['النحاس', 'Al-Nahhas'], ['السمان', 'Al-Samman'], ['المصري', 'Al-Masri'], ['الشمري', 'Al-Shammari'], ['الجبوري', 'Al-Jubouri'], ['العبيدي', 'Al-Obaidi'],
  ['الحمدان', 'Al-Hamdan'], ['العساف', 'Al-Assaf'], ['الفارس', 'Al-Fares'], ['الخلف', 'Al-Khalaf'], ['الهلال', 'Al-Hilal'], ['الجمعة', 'Al-Jumaa'],
  ['الرحال', 'Al-Rahhal'], ['أبو زيد', 'Abu Zeid'], ['أبو صالح', 'Abu Saleh'], ['النابلسي', 'Al-Nabulsi'], ['الصفدي', 'Al-Safadi'], ['السقا', 'Al-Saqqa'],
  ['الملا', 'Al-Mulla'], ['الحافظ', 'Al-Hafez'], ['الحكيم', 'Al-Hakim'], ['القاضي', 'Al-Qadi'], ['الأمين', 'Al-Amin'], ['الرشيد', 'Al-Rashid'],
];

const array = (values: string[]) => `array[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',')}]::text[]`;

/**
 * Inserts `count` cases (applications and applicants, no flags) in one statement each, names from
 * the lists (first, father, sometimes grandfather, family; skewed towards the first entries, as
 * real names are), birth dates over fifty years. Returns the ids.
 */
export async function insertCases(query: (text: string) => Promise<{ id: string }[]>, count: number, tag: string): Promise<string[]> {
  const arabic = (list: [string, string][]) => array(list.map(([ar]) => ar));
  const arabicFolded = (list: [string, string][]) => array(list.map(([ar]) => foldArabic(ar)));
  const latin = (list: [string, string][]) => array(list.map(([, la]) => la));
  const latinFolded = (list: [string, string][]) => array(list.map(([, la]) => foldLatin(la)));
  const pick = (n: number, skew: number) => `1 + floor(${n} * random() ^ ${skew})::int`;
  await query(`create temp table bench_people on commit drop as
    select i, gen_random_uuid() as id, ${pick(FIRST.length, 2)} as a, ${pick(FIRST.length, 2)} as b,
      case when random() < 0.3 then ${pick(FIRST.length, 2)} end as g, ${pick(FAMILY.length, 1.5)} as f,
      date '1955-01-01' + floor(random() * 18250)::int as born
    from generate_series(1, ${count}) as i`);
  await query(`insert into applications (id, reference, ministry, channel)
    select id, '${tag}-' || i, case when i % 2 = 0 then 'interior' else 'defense' end, 'walk_in' from bench_people`);
  const name = (first: string, family: string) => `concat_ws(' ', (${first})[a], (${first})[b], (${first})[g], (${family})[f])`;
  await query(`insert into applicants (application_id, full_name_ar, name_ar_folded, full_name_latin, name_latin_folded, birth_date, sex,
      national_id, service_number, branch, rank, specializations, separation_kind)
    select id, ${name(arabic(FIRST), arabic(FAMILY))}, ${name(arabicFolded(FIRST), arabicFolded(FAMILY))},
      ${name(latin(FIRST), latin(FAMILY))}, ${name(latinFolded(FIRST), latinFolded(FAMILY))}, born, 'male',
      lpad(floor(random() * 1e11)::bigint::text, 11, '0'), '${tag}' || i, 'army', 'captain', array['infantry'], 'defected'
    from bench_people`);
  return (await query('select id from bench_people order by i')).map((r) => r.id);
}
