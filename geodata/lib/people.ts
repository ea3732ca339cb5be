/**
 * Units (departments, the county centre, township offices), people and grid assignments.
 * Phone numbers are 1990000xxxx: a block that is not issued to real subscribers here, so no real
 * person can be reached by mistake.
 */
import type { Rng } from './rng.ts';
import type { CountyModel, GridRec, TownshipRec, VillageRec } from './hierarchy.ts';
import { COUNTY_NAME, personName } from './names.ts';

export interface Unit {
  code: string;
  name: string;
  nameEn: string;
  kind: 'department' | 'township_office' | 'centre';
  regionCode: string;
}

export type Account = 'admin' | 'planner' | 'dispatcher' | 'inspector' | 'member' | 'unit';
export type Duty = 'leader' | 'full_time' | 'part_time' | 'police' | 'mediator';

export interface Person {
  ref: string;
  name: string;
  gender: 'M' | 'F';
  phone: string;
  unitCode: string | null;
  villageCode: string | null;
  account?: Account;
}

export interface Assignment {
  gridCode: string;
  personRef: string;
  duty: Duty;
}

export const DEPARTMENTS: [string, string, string][] = [
  ['police', '县公安局', 'Public Security Bureau'],
  ['education', '县教育体育局', 'Education and Sports Bureau'],
  ['market', '县市场监督管理局', 'Market Supervision Administration'],
  ['culture', '县文化广电和旅游局', 'Culture, Radio, TV and Tourism Bureau'],
  ['water', '县水利局', 'Water Resources Bureau'],
  ['emergency', '县应急管理局', 'Emergency Management Bureau'],
  ['civil_affairs', '县民政局', 'Civil Affairs Bureau'],
  ['housing', '县住房和城乡建设局', 'Housing and Urban-Rural Development Bureau'],
  ['health', '县卫生健康委员会', 'Health Commission'],
  ['natural_resources', '县自然资源局', 'Natural Resources Bureau'],
  ['transport', '县交通运输局', 'Transport Bureau'],
  ['urban_mgmt', '县城市管理局', 'Urban Management Bureau'],
  ['justice', '县司法局', 'Justice Bureau'],
  ['petition', '县信访局', 'Letters and Calls Bureau'],
];

const COUNTY_REGION = '990101000000';

export class PhonePool {
  private numbers: number[];
  constructor(rng: Rng) {
    this.numbers = rng.shuffle(Array.from({ length: 10000 }, (_, i) => i));
  }
  take(): string {
    const n = this.numbers.pop();
    if (n === undefined) throw new Error('phone pool exhausted');
    return '1990000' + String(n).padStart(4, '0');
  }
}

export interface Staffing {
  units: Unit[];
  people: Person[];
  assignments: Assignment[];
  byGrid: Map<string, Assignment[]>;
  byPerson: Map<string, Assignment[]>;
  person: Map<string, Person>;
  unitStaff: Map<string, Person[]>;
  villageLeaders: Map<string, Person[]>;
  centre: Person[];
  phones: PhonePool;
  townshipUnit: (t: TownshipRec) => string;
  /** pick the `member` account after sites exist (see generate.ts) */
  markMember: (villageCode: string) => Person | null;
  understaffed: string[];
  overloaded: string[];
}

/** Split n items into k chunks of near-equal size (in order). */
function chunks<T>(items: T[], k: number): T[][] {
  const out: T[][] = [];
  let start = 0;
  for (let i = 0; i < k; i++) {
    const end = Math.round(((i + 1) * items.length) / k);
    if (end > start) out.push(items.slice(start, end));
    start = end;
  }
  return out;
}

export function buildStaffing(rng: Rng, county: CountyModel): Staffing {
  const phones = new PhonePool(rng.fork('phones'));
  const prng = rng.fork('people');
  const people: Person[] = [];
  const assignments: Assignment[] = [];
  const person = new Map<string, Person>();
  const unitStaff = new Map<string, Person[]>();
  const villageLeaders = new Map<string, Person[]>();
  const add = (gender: 'M' | 'F' | number, unitCode: string | null, villageCode: string | null): Person => {
    const g: 'M' | 'F' = typeof gender === 'number' ? (prng.chance(gender) ? 'M' : 'F') : gender;
    const p: Person = {
      ref: 'P' + String(people.length + 1).padStart(5, '0'),
      name: personName(prng, g),
      gender: g,
      phone: phones.take(),
      unitCode,
      villageCode,
    };
    people.push(p);
    person.set(p.ref, p);
    if (unitCode) {
      let l = unitStaff.get(unitCode);
      if (!l) unitStaff.set(unitCode, (l = []));
      l.push(p);
    }
    return p;
  };
  const assign = (g: GridRec, p: Person, duty: Duty) => assignments.push({ gridCode: g.code, personRef: p.ref, duty });

  // ---- units
  const units: Unit[] = [];
  for (const [code, name, en] of DEPARTMENTS) units.push({ code, name: COUNTY_NAME.slice(0, 4) + name, nameEn: en, kind: 'department', regionCode: COUNTY_REGION });
  units.push({ code: 'centre', name: COUNTY_NAME + '社会治理综合服务中心', nameEn: 'County Social Governance Centre', kind: 'centre', regionCode: COUNTY_REGION });
  const townshipUnit = (t: TownshipRec) => 'township-' + t.code.slice(0, 9);
  for (const t of county.townships) {
    units.push({
      code: townshipUnit(t),
      name: t.name + (t.kind === 'street' ? '办事处' : '人民政府') + '综治中心',
      nameEn: `${t.kind === 'street' ? 'Street' : t.kind === 'town' ? 'Town' : 'Township'} office ${t.code.slice(6, 9)}`,
      kind: 'township_office',
      regionCode: t.code,
    });
  }

  // ---- centre (accounts: admin, planner, dispatcher, inspector) and department staff
  const centre: Person[] = [];
  const accounts: Account[] = ['admin', 'planner', 'dispatcher', 'inspector'];
  for (let i = 0; i < 10; i++) {
    const p = add(0.5, 'centre', null);
    if (i < accounts.length) p.account = accounts[i];
    centre.push(p);
  }
  for (const [code] of DEPARTMENTS) {
    const n = code === 'police' ? 6 : 4;
    for (let i = 0; i < n; i++) {
      const p = add(code === 'police' ? 0.8 : 0.55, code, null);
      if (code === 'police' && i === 0) p.account = 'unit';
    }
  }
  for (const t of county.townships) for (let i = 0; i < 5; i++) add(0.6, townshipUnit(t), null);

  // ---- village police (包村民警): each officer covers a run of villages in one township
  for (const t of county.townships) {
    const k = Math.ceil(t.villages.length / (t.kind === 'street' ? 3 : 6));
    for (const vs of chunks(t.villages, k)) {
      const p = add(0.85, 'police', null);
      for (const v of vs) for (const g of v.grids) assign(g, p, 'police');
    }
  }

  // ---- grid staff per village
  for (const t of county.townships) {
    for (const v of t.villages) {
      const n = v.grids.length;
      const community = v.kind === 'community';
      const leaders = community ? Math.max(1, Math.ceil(n / 3)) : n <= 4 ? 1 : 2;
      const ls: Person[] = [];
      for (const part of chunks(v.grids, leaders)) {
        const p = add(community ? 0.55 : 0.78, null, v.code);
        ls.push(p);
        for (const g of part) assign(g, p, 'leader');
      }
      villageLeaders.set(v.code, ls);
      const full = community ? n : Math.ceil(n / 3);
      for (const part of chunks(v.grids, full)) {
        const p = add(community ? 0.4 : 0.55, null, v.code);
        for (const g of part) assign(g, p, 'full_time');
      }
      for (const g of v.grids) if (prng.chance(community ? 0.2 : 0.15)) assign(g, add(0.55, null, v.code), 'part_time');
    }
  }

  // ---- mediators: one per about four villages
  for (const t of county.townships) {
    for (const vs of chunks(t.villages, Math.ceil(t.villages.length / 4))) {
      const p = add(0.6, null, vs[0].code);
      for (const v of vs) for (const g of v.grids) assign(g, p, 'mediator');
    }
  }

  // ---- deliberate problems: grids without a leader, and a few overloaded full-time members
  const srng = rng.fork('staffing-problems');
  const byGridTmp = new Map<string, Assignment[]>();
  for (const a of assignments) {
    let l = byGridTmp.get(a.gridCode);
    if (!l) byGridTmp.set(a.gridCode, (l = []));
    l.push(a);
  }
  const ruralVillages = county.villages.filter((v) => v.kind === 'village' && v.grids.length >= 4);
  const understaffedVillages = srng.sample(ruralVillages, 7);
  const urbanVillage = srng.pick(county.villages.filter((v) => v.kind === 'community'));
  const understaffed: string[] = [];
  for (const v of [...understaffedVillages, urbanVillage]) {
    const g = srng.pick(v.grids);
    understaffed.push(g.code);
  }
  const dropSet = new Set(understaffed);
  const kept = assignments.filter((a) => !(a.duty === 'leader' && dropSet.has(a.gridCode)));
  assignments.splice(0, assignments.length, ...kept);

  const overloaded: string[] = [];
  const problemVillages = new Set([...understaffedVillages, urbanVillage]);
  const candidates = srng.sample(
    ruralVillages.filter((v) => !problemVillages.has(v)),
    4,
  );
  for (const v of candidates) {
    const ft = assignments.find((a) => a.duty === 'full_time' && v.grids.some((g) => g.code === a.gridCode))!;
    const p = person.get(ft.personRef)!;
    const have = new Set(assignments.filter((a) => a.personRef === p.ref).map((a) => a.gridCode));
    const target = srng.int(9, 12);
    // extra grids: the rest of the village, then neighbouring villages of the same township
    const pool: GridRec[] = [...v.grids, ...v.township.villages.filter((o) => o !== v && !problemVillages.has(o)).flatMap((o) => o.grids)];
    for (const g of pool) {
      if (have.size >= target) break;
      if (have.has(g.code)) continue;
      const others = (byGridTmp.get(g.code) ?? []).filter((a) => a.duty === 'part_time');
      if (others.length > 0) continue;
      assignments.push({ gridCode: g.code, personRef: p.ref, duty: 'full_time' });
      have.add(g.code);
    }
    overloaded.push(p.ref);
  }
  const problemPeople = new Set(overloaded);

  // stable order: by grid code, then duty, then person
  const dutyOrder: Record<Duty, number> = { leader: 0, full_time: 1, part_time: 2, police: 3, mediator: 4 };
  assignments.sort((a, b) => (a.gridCode < b.gridCode ? -1 : a.gridCode > b.gridCode ? 1 : dutyOrder[a.duty] - dutyOrder[b.duty] || (a.personRef < b.personRef ? -1 : 1)));
  const byGrid = new Map<string, Assignment[]>();
  const byPerson = new Map<string, Assignment[]>();
  for (const a of assignments) {
    let l = byGrid.get(a.gridCode);
    if (!l) byGrid.set(a.gridCode, (l = []));
    l.push(a);
    let m = byPerson.get(a.personRef);
    if (!m) byPerson.set(a.personRef, (m = []));
    m.push(a);
  }

  const markMember = (villageCode: string): Person | null => {
    const v = county.villages.find((x) => x.code === villageCode) as VillageRec;
    const codes = new Set(v.grids.map((g) => g.code));
    // prefer a full-time member (网格员); a village leader (网格长) will do
    const ordered = [...assignments.filter((a) => a.duty === 'full_time'), ...assignments.filter((a) => a.duty === 'leader')];
    for (const a of ordered) {
      if (!codes.has(a.gridCode)) continue;
      const p = person.get(a.personRef)!;
      if (problemPeople.has(p.ref)) continue;
      const mine = byPerson.get(p.ref)!;
      if (mine.length < 2 || mine.length > 4) continue;
      if (!mine.every((m) => codes.has(m.gridCode) && (m.duty === 'full_time' || m.duty === 'leader'))) continue;
      p.account = 'member';
      return p;
    }
    return null;
  };

  return { units, people, assignments, byGrid, byPerson, person, unitStaff, villageLeaders, centre, phones, townshipUnit, markMember, understaffed, overloaded };
}
