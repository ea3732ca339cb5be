import type { Kysely } from 'kysely';
import type { Database, Duty } from '../db/schema.ts';
import { toFeatureCollection } from '../db/geo.ts';
import type { AuthUser } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import { regionForCaller } from '../regions/regions.repository.ts';
import { settingValue } from '../settings/settings.repository.ts';
import { overloadedPeople, staffingGrids } from './people.repository.ts';

type Db = Kysely<Database>;

export async function staffingThresholds(db: Db) {
  return {
    maxGrids: Number(await settingValue(db, 'staffing.maxGridsPerMember', 4)),
    maxHouseholds: Number(await settingValue(db, 'staffing.maxHouseholdsPerMember', 1000)),
    memberDuties: await settingValue<Duty[]>(db, 'staffing.memberDuties', ['leader', 'full_time', 'part_time']),
  };
}

type Counts = { grids: number; noMember: number; noLeader: number; withOverloadedMember: number };
const emptyCounts = (): Counts => ({ grids: 0, noMember: 0, noLeader: 0, withOverloadedMember: 0 });

/**
 * Staffing of a region's current grids: grids with no member or no leader, people over the
 * configured load, counts per county, township and village, and the problem grids as GeoJSON for
 * colouring. The region may be a prefecture (4 digits; its counties are the rows a county's
 * townships are), for callers whose scope covers it; anything else outside the scope is a 404 like
 * an unknown region.
 */
export async function staffingReport(db: Db, user: AuthUser, region?: string) {
  const where = await regionForCaller(db, user.scopeCode, region);
  if (!where) throw problem('region.not-found');
  const thresholds = await staffingThresholds(db);
  const grids = await staffingGrids(db, where.prefix, thresholds);
  const overloaded = await overloadedPeople(db, where.prefix, thresholds);

  const counties = new Map<string, Counts & { code: string; name: string }>();
  const townships = new Map<string, Counts & { code: string; name: string; countyCode: string }>();
  const villages = new Map<string, Counts & { code: string; name: string; townshipCode: string }>();
  const total = emptyCounts();
  const problemFeatures = [];
  for (const g of grids) {
    const problems: string[] = [];
    if (g.members === 0) problems.push('no_member');
    if (g.leaders === 0) problems.push('no_leader');
    if (g.overloadedMembers > 0) problems.push('overloaded_member');
    const c = counties.get(g.countyCode) ?? { code: g.countyCode, name: g.countyName, ...emptyCounts() };
    const t = townships.get(g.townshipCode) ?? { code: g.townshipCode, name: g.townshipName, countyCode: g.countyCode, ...emptyCounts() };
    const v = villages.get(g.villageCode) ?? { code: g.villageCode, name: g.villageName, townshipCode: g.townshipCode, ...emptyCounts() };
    counties.set(c.code, c);
    townships.set(t.code, t);
    villages.set(v.code, v);
    for (const n of [c, t, v, total]) {
      n.grids++;
      if (problems.includes('no_member')) n.noMember++;
      if (problems.includes('no_leader')) n.noLeader++;
      if (problems.includes('overloaded_member')) n.withOverloadedMember++;
    }
    if (problems.length) {
      const { geometry, townshipName: _t, villageName: _v, countyName: _c, ...properties } = g;
      problemFeatures.push({ ...properties, villageName: g.villageName, problems, geometry });
    }
  }
  const withProblems = <T extends Counts>(list: T[]) => list.map((c) => ({ ...c, ok: c.noMember + c.noLeader + c.withOverloadedMember === 0 }));
  return {
    region: where.code,
    name: where.name,
    level: where.level,
    thresholds,
    summary: { ...total, overloadedPeople: overloaded.length },
    counties: withProblems([...counties.values()]),
    townships: withProblems([...townships.values()]),
    villages: withProblems([...villages.values()]),
    overloaded: overloaded.map((p) => ({
      ...p, over: [...(p.grids > thresholds.maxGrids ? ['grids'] : []), ...(p.households > thresholds.maxHouseholds ? ['households'] : [])],
    })),
    problemGrids: toFeatureCollection(problemFeatures),
  };
}
