import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { toFeatureCollection } from '../db/geo.ts';
import { assertCapability, missingCapability } from '../auth/authorize.ts';
import type { AuthUser } from '../http/env.ts';
import { iso } from './people.shared.ts';
import { myGrids, openIncidentsInGrids, personContact, sitesInGrids } from './people.repository.ts';

type Db = Kysely<Database>;

/** A grid member's own area: their grids, the key sites in them by category, open incidents, duties. */
export async function myArea(db: Db, user: AuthUser) {
  await assertCapability(db, user, 'myArea');
  if (user.personId === null) throw missingCapability('myArea');
  const grids = await myGrids(db, user.personId);
  const gridIds = grids.map((g) => g.id);
  const sites = await sitesInGrids(db, gridIds);
  const incidents = await openIncidentsInGrids(db, gridIds);
  const person = await personContact(db, user.personId);
  const byCategory = new Map<string, { category: string; name: string; nameEn: string; color: string; count: number; siteIds: number[] }>();
  for (const s of sites) {
    const c = byCategory.get(s.category) ?? { category: s.category, name: s.categoryName, nameEn: s.categoryNameEn, color: s.color, count: 0, siteIds: [] };
    c.count++;
    c.siteIds.push(s.id);
    byCategory.set(s.category, c);
  }
  return {
    person: person ? { ...person, id: Number(person.id) } : null,
    duties: grids.flatMap((g) => g.duties.map((duty) => ({ gridId: g.id, gridCode: g.code, gridName: g.name, duty }))),
    grids: toFeatureCollection(grids),
    sitesByCategory: [...byCategory.values()],
    sites: toFeatureCollection(sites.map(({ sort: _s, color: _c, ...s }) => s)),
    incidents: toFeatureCollection(incidents.map((i) => ({ ...i, createdAt: iso(i.createdAt)!, dueAt: iso(i.dueAt) }))),
  };
}
