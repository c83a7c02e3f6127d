import * as names from '../../../seeds/demo/names.js';
import * as reference from '../../../seeds/reference.js';
import { SEPARATION_EARLIEST } from '../applications/applicant.fields.js';
import type { CaseChannel } from '../applications/applications.state.js';
import type { BranchCode, MinistryCode, RankCode } from '../reference/reference.codes.js';
import { DemoRandom, Weighted } from './demo.random.js';

/**
 * Synthetic officers for demo data: who registers, where they live, how they spell their names. The
 * shares below are plausible, not statistics; what matters is that the data exercises what the real
 * data will (both scripts, spelling variants, true duplicates, people abroad and inside, imports
 * without contacts, numbers typed on Arabic keyboards). Every applicant is produced as a client would
 * send it and then goes through the same validation as any other (`applicantInput`).
 *
 * Deterministic: one seeded generator, consumed in a fixed order; dates are placed relative to
 * `today` (the cases over the year before it, ages and separations valid on that day).
 */

const DAY_MS = 86_400_000;
const UNIT_SPAN_MS = 14 * DAY_MS;

export const MINISTRY_SHARE = { defense: 60, interior: 40 } as const satisfies Record<MinistryCode, number>;
/** Channel shares of all cases (DESIGN §2: most register through the published link). */
export const CHANNEL_SHARE = { link: 55, walk_in: 25, batch_import: 20 } as const satisfies Record<CaseChannel, number>;
/** Share of cases that are a second registration of an officer already registered (spelled differently). */
export const DUPLICATE_SHARE = 0.02;

/** Junior ranks far outnumber senior ones. */
const RANK_WEIGHTS: Record<RankCode, number> = {
  private: 14,
  private_first_class: 10,
  corporal: 12,
  sergeant: 12,
  staff_sergeant: 9,
  warrant_officer: 6,
  chief_warrant_officer: 4,
  second_lieutenant: 6,
  first_lieutenant: 7,
  captain: 6,
  major: 4,
  lieutenant_colonel: 3,
  colonel: 2,
  brigadier_general: 1,
  major_general: 0.3,
  general: 0.05,
};

/** Typical age at separation for each rank: [youngest, oldest]. */
const AGE_AT_SEPARATION: Record<RankCode, [number, number]> = {
  private: [19, 25],
  private_first_class: [20, 27],
  corporal: [21, 30],
  sergeant: [23, 35],
  staff_sergeant: [26, 40],
  warrant_officer: [30, 45],
  chief_warrant_officer: [35, 50],
  second_lieutenant: [22, 26],
  first_lieutenant: [24, 30],
  captain: [27, 36],
  major: [32, 42],
  lieutenant_colonel: [37, 46],
  colonel: [40, 50],
  brigadier_general: [44, 54],
  major_general: [48, 57],
  general: [52, 58],
};

const BRANCHES: Record<MinistryCode, Weighted<BranchCode>> = {
  defense: Weighted.of<BranchCode>({ army: 72, air_force: 8, air_defense: 11, navy: 4, police: 0, internal_security: 0 }),
  interior: Weighted.of<BranchCode>({ police: 80, internal_security: 20, army: 0, air_force: 0, air_defense: 0, navy: 0 }),
};

/** The primary specialization by branch (codes from seeds/reference.ts). */
const PRIMARY: Record<BranchCode, Weighted<string>> = {
  army: Weighted.of({
    infantry: 30,
    armor: 12,
    artillery: 12,
    engineering: 6,
    signals: 6,
    reconnaissance: 4,
    special_forces: 4,
    logistics: 6,
    maintenance: 5,
    medical: 3,
    military_police: 3,
    military_justice: 1,
    administration: 4,
    training: 2,
    law: 1,
    border_guard: 1,
    cyber_security: 1,
  }),
  air_force: Weighted.of({ aviation: 40, maintenance: 25, signals: 10, logistics: 10, air_defense: 5, medical: 3, administration: 5, training: 2 }),
  air_defense: Weighted.of({ air_defense: 60, artillery: 10, signals: 12, maintenance: 10, logistics: 5, administration: 3 }),
  navy: Weighted.of({ naval: 60, maintenance: 12, signals: 8, logistics: 8, border_guard: 6, medical: 3, administration: 3 }),
  police: Weighted.of({
    public_security: 18,
    criminal_investigation: 14,
    traffic: 12,
    law: 8,
    immigration_passports: 6,
    civil_registry: 5,
    anti_narcotics: 5,
    facility_protection: 6,
    riot_control: 5,
    border_guard: 3,
    administration: 6,
    signals: 3,
    logistics: 3,
    medical: 2,
    training: 2,
    cyber_security: 1,
    maintenance: 1,
  }),
  internal_security: Weighted.of({
    public_security: 25,
    riot_control: 15,
    facility_protection: 15,
    special_forces: 8,
    criminal_investigation: 8,
    border_guard: 8,
    anti_narcotics: 5,
    signals: 4,
    logistics: 4,
    administration: 4,
    law: 3,
    cyber_security: 1,
  }),
};

/** Related specializations (both directions), restricted to each ministry's own list. */
const RELATED = new Map<string, string[]>();
for (const [a, b] of reference.specializationRelations) {
  RELATED.set(a, [...(RELATED.get(a) ?? []), b]);
  RELATED.set(b, [...(RELATED.get(b) ?? []), a]);
}
const SPECIALIZATION_MINISTRIES = new Map(reference.specializations.map((s) => [s.code, s.ministries as readonly string[]]));

type Country = 'SY' | 'TR' | 'JO' | 'LB' | 'IQ' | 'DE';

const RESIDENCE: Record<'link' | 'walk_in', Weighted<Country>> = {
  link: Weighted.of<Country>({ SY: 25, TR: 30, JO: 12, LB: 10, IQ: 6, DE: 17 }),
  // Walk-ins come to a ministry office: nearly all are back inside.
  walk_in: Weighted.of<Country>({ SY: 90, TR: 4, JO: 3, LB: 3, IQ: 0, DE: 0 }),
};
const BATCH_COUNTRY = Weighted.of<Country>({ IQ: 3, TR: 3, JO: 2, LB: 1, SY: 3, DE: 0 });
const BATCH_LABEL: Record<Country, string> = {
  IQ: 'Handover from Iraq, Erbil crossing',
  TR: 'Camp list, Kilis and Hatay',
  JO: 'Returnees list, Zaatari and Mafraq',
  LB: 'Returnees list, Arsal',
  SY: 'Governorate committee list',
  DE: 'Consulate list, Berlin',
};

/** Mobile number prefixes (E.164 without '+') and the digits after them: numbers libphonenumber takes as valid. */
const MOBILE: Record<Country, { prefixes: readonly string[]; digits: number }> = {
  SY: { prefixes: ['96393', '96394', '96395', '96396', '96398', '96399'], digits: 7 },
  TR: { prefixes: ['9050', '9053', '9054', '9055'], digits: 8 },
  JO: { prefixes: ['96277', '96278', '96279'], digits: 7 },
  LB: { prefixes: ['9613', '96170', '96171', '96176', '96181'], digits: 6 },
  IQ: { prefixes: ['964750', '964751', '964770', '964771', '964780', '964790'], digits: 7 },
  DE: { prefixes: ['49151', '49152', '49157', '49160', '49170', '49176'], digits: 8 },
};

const SEPARATION_YEARS = new Weighted(
  [
    [2011, 15],
    [2012, 35],
    [2013, 20],
    [2014, 10],
    [2015, 6],
    [2016, 3],
    [2017, 3],
    [2018, 2],
    [2019, 2],
    [2020, 1],
    [2021, 1],
    [2022, 1],
    [2023, 1],
    [2024, 1],
  ].map(([value, weight]) => ({ value: value!, weight: weight! })),
);

const SEPARATION_KIND = Weighted.of({ defected: 75, dismissed_security: 15, dismissed_political: 10 });

const weightedNames = (list: readonly names.DemoName[]) => new Weighted(list.map((n) => ({ value: n, weight: n.weight })));
const MALE = weightedNames(names.maleGivenNames);
const FEMALE = weightedNames(names.femaleGivenNames);
const FAMILY = weightedNames(names.familyNames);
const FIELDS = {
  officer: new Weighted(names.educationFields.officer.map((f) => ({ value: f.name, weight: f.weight }))),
  enlisted: new Weighted(names.educationFields.enlisted.map((f) => ({ value: f.name, weight: f.weight }))),
};
const CITIES = Object.fromEntries(
  Object.entries(names.residenceCities).map(([country, cities]) => [country, new Weighted(cities.map((c) => ({ value: c.name, weight: c.weight })))]),
) as Record<Country, Weighted<string>>;
const GOVERNORATE_CITY = new Map(reference.governorates.map((g) => [g.code, g]));
const RANK = Weighted.of(RANK_WEIGHTS);
const RANK_CATEGORY = new Map(reference.ranks.map((r) => [r.code, r.category]));

const ARABIC_DIGITS = '٠١٢٣٤٥٦٧٨٩';
function arabicIndic(digits: string): string {
  return digits.replace(/\d/g, (d) => ARABIC_DIGITS[Number(d)]!);
}

function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}
function dayOf(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}
function yearsBefore(date: string, years: number): string {
  return `${String(Number(date.slice(0, 4)) - years).padStart(4, '0')}${date.slice(4)}`;
}

/** What stays the same when an officer registers twice. */
interface Identity {
  ministry: MinistryCode;
  sex: 'male' | 'female';
  given: names.DemoName;
  father: names.DemoName;
  family: names.DemoName;
  mother: names.DemoName | null;
  birthDate: string;
  birthPlace: (typeof names.birthPlaces)[number];
  nationalId: string | null;
  serviceNumber: string | null;
  branch: BranchCode;
  rank: RankCode;
  specializations: string[];
  separationKind: string;
  separationDate: string;
  yearsOfService: number;
  education: { degree: string; field?: string } | null;
  lastUnit: string | null;
}

/** One case to create, before validation. */
export interface DemoCase {
  ministry: MinistryCode;
  channel: CaseChannel;
  createdAt: Date;
  /** Index into the ministry's committees. */
  committee: number;
  /** Index into the ministry's registration links (channel `link`). */
  link: number;
  /** The applicant as a client would send it (it may carry Arabic-Indic digits, stray spaces, lower case). */
  raw: Record<string, unknown>;
  /** This officer registered before, as the case at this plan position. */
  duplicateOf: number | null;
  /** The case of the named demo applicant account. */
  demoApplicant: boolean;
}

interface Slot {
  ministry: MinistryCode;
  channel: CaseChannel;
  at: number;
}

export interface DemoBatchPlan {
  ministry: MinistryCode;
  country: Country;
  label: string;
  at: number;
  size: number;
}

/** A unit of work, one ministry's: cases created together (one transaction), or one import batch. */
export type DemoUnit = { kind: 'cases'; ministry: MinistryCode; slots: Slot[] } | { kind: 'batch'; ministry: MinistryCode; batch: DemoBatchPlan };

export interface DemoPlan {
  units: DemoUnit[];
  /** When the window of registrations starts (links are published then). */
  start: Date;
}

export interface GeneratorOptions {
  seed: number;
  /** YYYY-MM-DD: cases come in over the 365 days before it. */
  today: string;
  committees: Record<MinistryCode, readonly { weight: number }[]>;
  links: Record<MinistryCode, readonly { weight: number }[]>;
}

/** When the demo's year of registrations starts: 365 days before `today` (YYYY-MM-DD). */
export function demoWindowStart(today: string): Date {
  return new Date((dayOf(today) - 365) * DAY_MS);
}

export class DemoGenerator {
  readonly random: DemoRandom;
  private readonly todayDay: number;
  private readonly startDay: number;
  private readonly minBirth: string;
  private readonly maxBirth: string;
  private readonly committees: Record<MinistryCode, Weighted<number>>;
  private readonly links: Record<MinistryCode, Weighted<number>>;
  private readonly identities: Identity[] = [];
  private readonly byMinistry: Record<MinistryCode, number[]> = { interior: [], defense: [] };
  private nationalCounter = 0;
  private serviceCounter = 0;
  private readonly idOffset: number;
  private readonly serviceOffset: number;
  private demoApplicantTaken = false;
  /** Cases produced so far (their plan position). */
  private position = 0;

  constructor(private readonly options: GeneratorOptions) {
    this.random = new DemoRandom(options.seed);
    this.todayDay = dayOf(options.today);
    this.startDay = this.todayDay - 365;
    // Ages 19–74 on `today`: inside the 18–75 the validation allows, whatever the hour.
    this.maxBirth = yearsBefore(options.today, 19);
    this.minBirth = yearsBefore(options.today, 74);
    const weights = (list: readonly { weight: number }[]) => new Weighted(list.map((c, i) => ({ value: i, weight: c.weight })));
    this.committees = { interior: weights(options.committees.interior), defense: weights(options.committees.defense) };
    this.links = { interior: weights(options.links.interior), defense: weights(options.links.defense) };
    this.idOffset = this.random.int(0, 999_999_999);
    this.serviceOffset = this.random.int(0, 999_999);
  }

  /**
   * Which cases come in when: individual registrations and walk-ins spread over the year (created in
   * units of one ministry, of at most `unitSize` cases and two weeks, in time order), and import batches
   * of 40 to 2,000 rows at their own moments, each its own unit as the import route takes it.
   */
  plan(total: number, unitSize: number): DemoPlan {
    const r = this.random;
    const ministry = Weighted.of(MINISTRY_SHARE);
    const span = (this.todayDay - this.startDay) * DAY_MS;
    const start = this.startDay * DAY_MS;
    let imported = Math.round((total * CHANNEL_SHARE.batch_import) / 100);
    const batches: DemoBatchPlan[] = [];
    while (imported > 0) {
      let size = Math.min(imported, r.int(40, 2_000));
      if (imported - size < 20) size = imported;
      const country = BATCH_COUNTRY.draw(r);
      batches.push({ ministry: ministry.draw(r), country, label: BATCH_LABEL[country], at: start + Math.floor(r.float() * span), size });
      imported -= size;
    }
    const individual = total - batches.reduce((sum, b) => sum + b.size, 0);
    const linkShare = CHANNEL_SHARE.link / (CHANNEL_SHARE.link + CHANNEL_SHARE.walk_in);
    const slots: Slot[] = [];
    for (let i = 0; i < individual; i++) {
      slots.push({ ministry: ministry.draw(r), channel: r.chance(linkShare) ? 'link' : 'walk_in', at: start + Math.floor(r.float() * span) });
    }
    // Stable sort: equal times keep their drawing order.
    slots.sort((a, b) => a.at - b.at);
    batches.sort((a, b) => a.at - b.at);
    // A unit holds one ministry's cases, so each ministry's units can be written in order on their own.
    const units: DemoUnit[] = [];
    const current: Record<MinistryCode, Slot[]> = { interior: [], defense: [] };
    const flush = (m: MinistryCode) => {
      if (current[m].length > 0) units.push({ kind: 'cases', ministry: m, slots: current[m] });
      current[m] = [];
    };
    let b = 0;
    for (const slot of slots) {
      while (b < batches.length && batches[b]!.at <= slot.at) {
        const batch = batches[b++]!;
        flush(batch.ministry);
        units.push({ kind: 'batch', ministry: batch.ministry, batch });
      }
      // A unit covers two weeks at most: within it, references are handed out channel by channel.
      const first = current[slot.ministry][0];
      if (first && slot.at - first.at > UNIT_SPAN_MS) flush(slot.ministry);
      current[slot.ministry].push(slot);
      if (current[slot.ministry].length >= unitSize) flush(slot.ministry);
    }
    flush('interior');
    flush('defense');
    while (b < batches.length) {
      const batch = batches[b++]!;
      units.push({ kind: 'batch', ministry: batch.ministry, batch });
    }
    return { units, start: new Date(start) };
  }

  /** The cases of a unit, in order, one at a time (the caller may pause between them). */
  *casesOf(unit: DemoUnit): Generator<DemoCase> {
    if (unit.kind === 'cases') {
      for (const slot of unit.slots) yield this.next(slot.ministry, slot.channel, slot.at, null);
      return;
    }
    const { batch } = unit;
    for (let i = 0; i < batch.size; i++) yield this.next(batch.ministry, 'batch_import', batch.at, batch.country);
  }

  private next(ministry: MinistryCode, channel: CaseChannel, at: number, batchCountry: Country | null): DemoCase {
    const r = this.random;
    const earlier = this.byMinistry[ministry];
    let identity: Identity;
    let duplicateOf: number | null = null;
    if (earlier.length > 0 && r.chance(DUPLICATE_SHARE)) {
      duplicateOf = earlier[r.int(0, earlier.length - 1)]!;
      identity = this.again(this.identities[duplicateOf]!);
    } else {
      identity = this.identity(ministry, channel);
    }
    const position = this.position++;
    this.identities.push(identity);
    earlier.push(position);
    const demoApplicant = !this.demoApplicantTaken && ministry === 'interior' && channel === 'link';
    if (demoApplicant) this.demoApplicantTaken = true;
    const committee = this.committees[ministry].draw(r);
    return {
      ministry,
      channel,
      createdAt: new Date(at),
      // The named applicant's case goes to the committee the named chair and member sit on (README walk-through).
      committee: demoApplicant ? 0 : committee,
      link: channel === 'link' ? this.links[ministry].draw(r) : 0,
      raw: this.applicant(identity, channel, batchCountry, duplicateOf !== null),
      duplicateOf,
      demoApplicant,
    };
  }

  /** A new officer. */
  private identity(ministry: MinistryCode, channel: CaseChannel): Identity {
    const r = this.random;
    const sex = r.chance(ministry === 'interior' ? 0.06 : 0.02) ? 'female' : 'male';
    const rank = RANK.draw(r);
    const category = RANK_CATEGORY.get(rank)!;
    const branch = BRANCHES[ministry].draw(r);
    const specializations = this.specializations(ministry, branch);

    const separationKind = SEPARATION_KIND.draw(r);
    const year = separationKind === 'defected' && r.chance(0.8) ? Math.min(SEPARATION_YEARS.draw(r), 2014) : SEPARATION_YEARS.draw(r);
    const earliest = dayOf(SEPARATION_EARLIEST);
    let separationDay = dayOf(`${year}-01-01`) + r.int(0, 364);
    separationDay = Math.max(earliest, Math.min(this.todayDay - 30, separationDay));
    const separationDate = isoDay(separationDay);

    const [youngest, oldest] = AGE_AT_SEPARATION[rank];
    const ageAtSeparation = r.int(youngest, oldest);
    let birthDate = isoDay(separationDay - Math.floor(ageAtSeparation * 365.25) - r.int(0, 364));
    if (birthDate > this.maxBirth) birthDate = isoDay(dayOf(this.maxBirth) - r.int(0, 700));
    if (birthDate < this.minBirth) birthDate = isoDay(dayOf(this.minBirth) + r.int(1, 700));
    const entryAge = category === 'officer' ? 21 + r.int(0, 2) : 18 + r.int(0, 2);
    const yearsOfService = Math.max(0, Math.min(60, ageAtSeparation - entryAge));

    const given = (sex === 'male' ? MALE : FEMALE).draw(r);
    const birthPlace = r.pick(names.birthPlaces);
    return {
      ministry,
      sex,
      given,
      father: MALE.draw(r),
      family: FAMILY.draw(r),
      mother: r.chance(0.8) ? FEMALE.draw(r) : null,
      birthDate,
      birthPlace,
      ...this.identifiers(branch, channel),
      branch,
      rank,
      specializations,
      separationKind,
      separationDate,
      yearsOfService,
      education: this.education(category, specializations),
      lastUnit: r.chance(0.75) ? this.lastUnit(ministry) : null,
    };
  }

  /** The same officer registering again: names spelled another way, identifiers sometimes the same. */
  private again(first: Identity): Identity {
    const r = this.random;
    const fresh = this.identifiers(first.branch, 'walk_in');
    let nationalId = first.nationalId && r.chance(0.6) ? first.nationalId : r.chance(0.5) ? fresh.nationalId : null;
    const serviceNumber = first.serviceNumber && r.chance(0.5) ? first.serviceNumber : r.chance(0.5) ? fresh.serviceNumber : null;
    if (nationalId === null && serviceNumber === null) nationalId = first.nationalId ?? fresh.nationalId ?? this.nationalId(first.birthPlace.governorate);
    return { ...first, nationalId, serviceNumber };
  }

  private identifiers(branch: BranchCode, channel: CaseChannel): { nationalId: string | null; serviceNumber: string | null } {
    const r = this.random;
    let nationalId = r.chance(channel === 'batch_import' ? 0.7 : 0.85) ? this.nationalId(r.pick(reference.governorates).code) : null;
    const serviceNumber = r.chance(0.7) ? this.serviceNumber(branch) : null;
    if (nationalId === null && serviceNumber === null) nationalId = this.nationalId(r.pick(reference.governorates).code);
    return { nationalId, serviceNumber };
  }

  /** 11 digits: the registry's two-digit governorate number, then nine that never repeat within a run. */
  private nationalId(governorate: string): string {
    const registry = reference.governorates.findIndex((g) => g.code === governorate) + 1;
    // 3^18 is coprime with 10^9: counter → number is a bijection, so distinct officers never share one.
    const body = (this.idOffset + (this.nationalCounter++ % 1_000_000_000) * 387_420_489) % 1_000_000_000;
    return `${String(registry).padStart(2, '0')}${String(body).padStart(9, '0')}`;
  }

  /** A letter for the branch and six digits, distinct within a run (up to a million officers). */
  private serviceNumber(branch: BranchCode): string {
    const letter = { army: 'A', air_force: 'F', air_defense: 'D', navy: 'N', police: 'P', internal_security: 'S' }[branch];
    const body = (this.serviceOffset + (this.serviceCounter++ % 1_000_000) * 7_919) % 1_000_000;
    return `${letter}${String(body).padStart(6, '0')}`;
  }

  private specializations(ministry: MinistryCode, branch: BranchCode): string[] {
    const r = this.random;
    const primary = PRIMARY[branch].draw(r);
    const out = [primary];
    const related = (RELATED.get(primary) ?? []).filter((code) => SPECIALIZATION_MINISTRIES.get(code)?.includes(ministry));
    const more = r.chance(0.55) ? (r.chance(0.35) ? 2 : 1) : 0;
    for (let i = 0; i < more && related.length > 0; i++) {
      const code = r.pick(related);
      if (!out.includes(code)) out.push(code);
    }
    return out;
  }

  private education(category: string, specializations: readonly string[]): { degree: string; field?: string } | null {
    const r = this.random;
    if (r.chance(0.1)) return null;
    if (category === 'officer') {
      if (specializations.includes('law') && r.chance(0.85)) return { degree: r.chance(0.9) ? 'bachelor' : 'master', field: 'law' };
      const degree = r.chance(0.7) ? 'bachelor' : r.chance(0.6) ? 'diploma' : r.chance(0.7) ? 'master' : 'doctorate';
      return r.chance(0.85) ? { degree, field: FIELDS.officer.draw(r) } : { degree };
    }
    const degree = r.pick(['none', 'primary', 'primary', 'secondary', 'secondary', 'secondary', 'vocational', 'vocational', 'diploma'] as const);
    if ((degree === 'vocational' || degree === 'diploma') && r.chance(0.7)) return { degree, field: FIELDS.enlisted.draw(r) };
    return { degree };
  }

  private lastUnit(ministry: MinistryCode): string {
    const r = this.random;
    const city = GOVERNORATE_CITY.get(r.pick(reference.governorates).code)!;
    return r
      .pick(names.unitTemplates[ministry])
      .replace('{n}', String(r.int(1, 160)))
      .replace('{m}', String(r.int(1, 120)))
      .replace('{division}', r.pick(names.divisions))
      .replace('{divisionAr}', r.pick(names.divisionsAr))
      .replace('{cityAr}', city.nameAr)
      .replace('{city}', city.nameEn);
  }

  /** One spelling of a name: the usual one most of the time. */
  private spell(list: readonly string[], usual: number): string {
    return list.length === 1 || this.random.chance(usual) ? list[0]! : this.random.pick(list.slice(1));
  }

  /** The applicant's fields as typed: spellings, contacts, residence and typing habits drawn per registration. */
  private applicant(id: Identity, channel: CaseChannel, batchCountry: Country | null, again: boolean): Record<string, unknown> {
    const r = this.random;
    // A second registration is more often spelled another way than a first one.
    const usual = again ? 0.35 : 0.75;
    const fullNameAr = `${this.spell(id.given.ar, usual)} ${this.spell(id.father.ar, usual)} ${this.spell(id.family.ar, usual)}`;
    const latinGiven = this.spell(id.given.latin, again ? 0.3 : 0.6);
    const latinFamily = this.spell(id.family.latin, again ? 0.3 : 0.6);
    const fullNameLatin = `${latinGiven} ${this.spell(id.father.latin, 0.6)} ${latinFamily}`;

    const country: Country | null =
      channel === 'batch_import' ? (r.chance(0.9) ? batchCountry : null) : RESIDENCE[channel === 'link' ? 'link' : 'walk_in'].draw(r);
    const phoneCountry = country ?? batchCountry ?? 'SY';
    const wantsPhone = r.chance(channel === 'link' ? 0.9 : channel === 'walk_in' ? 0.7 : 0.4);
    const wantsEmail = r.chance(channel === 'link' ? 0.6 : channel === 'walk_in' ? 0.2 : 0.1);
    const phone = wantsPhone || (channel === 'link' && !wantsEmail) ? this.phone(phoneCountry) : undefined;
    const email = wantsEmail ? this.email(latinGiven, latinFamily) : undefined;

    const raw: Record<string, unknown> = {
      fullNameAr: r.chance(0.03) ? ` ${fullNameAr.replace(' ', '  ')} ` : fullNameAr,
      birthDate: id.birthDate,
      sex: id.sex,
      branch: id.branch,
      rank: id.rank,
      specializations: id.specializations,
      separationKind: id.separationKind,
    };
    if (r.chance(channel === 'batch_import' ? 0.7 : channel === 'walk_in' ? 0.85 : 0.95)) raw.fullNameLatin = fullNameLatin;
    if (id.mother) raw.motherNameAr = this.spell(id.mother.ar, usual);
    if (r.chance(0.85)) raw.birthPlace = r.chance(0.8) ? id.birthPlace.ar : id.birthPlace.latin;
    if (id.nationalId) raw.nationalId = this.typedDigits(id.nationalId, channel);
    if (id.serviceNumber) raw.serviceNumber = r.chance(0.03) ? id.serviceNumber.toLowerCase() : id.serviceNumber;
    if (phone) raw.phone = phone;
    if (email) raw.email = email;
    if (country) {
      raw.residenceCountry = r.chance(0.02) ? country.toLowerCase() : country;
      raw.insideSyria = country === 'SY';
      if (r.chance(0.85)) raw.residenceCity = CITIES[country].draw(r);
    }
    if (id.education) raw.education = id.education;
    if (r.chance(0.95)) raw.separationDate = id.separationDate;
    if (id.lastUnit) raw.lastUnit = id.lastUnit;
    if (r.chance(0.85)) raw.yearsOfService = id.yearsOfService;
    const preferred = this.preferredGovernorates(id.birthPlace.governorate);
    if (preferred.length > 0 || r.chance(0.2)) raw.preferredGovernorates = preferred;
    return raw;
  }

  /** As typed: Arabic-Indic digits on an Arabic keyboard, or grouped with spaces, now and then. */
  private typedDigits(digits: string, channel: CaseChannel): string {
    const r = this.random;
    if (r.chance(channel === 'link' ? 0.04 : 0.08)) return arabicIndic(digits);
    if (r.chance(0.04)) return `${digits.slice(0, 2)} ${digits.slice(2, 6)} ${digits.slice(6)}`;
    return digits;
  }

  private phone(country: Country): string {
    const r = this.random;
    const mobile = MOBILE[country];
    const number = `${r.pick(mobile.prefixes)}${r.digits(mobile.digits)}`;
    if (r.chance(0.05)) return `00${number}`;
    if (r.chance(0.04)) return `+${arabicIndic(number)}`;
    return `+${number}`;
  }

  private email(given: string, family: string): string {
    const r = this.random;
    const local = (value: string) =>
      value
        .toLowerCase()
        .replace(/^(al|el)[- ]/, '')
        .replace(/[^a-z]/g, '');
    const name = r.chance(0.5) ? `${local(given)}.${local(family)}` : `${local(given)}${local(family)}${r.int(1, 99)}`;
    return `${name}@${r.pick(['example.com', 'example.net', 'example.org'])}`;
  }

  private preferredGovernorates(birth: string): string[] {
    const r = this.random;
    const count = r.chance(0.3) ? 0 : r.int(1, 3);
    const out: string[] = [];
    if (count > 0 && r.chance(0.6)) out.push(birth);
    while (out.length < count) {
      const code = r.pick(reference.governorates).code;
      if (!out.includes(code)) out.push(code);
    }
    return out;
  }
}
