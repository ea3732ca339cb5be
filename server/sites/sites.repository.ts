import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { asGeoJson, inCounty, inSubtree, intersectsBbox } from '../db/geo.ts';

export interface SiteFilter {
  categories?: string[];
  prefix?: string;
  gridId?: number;
  bbox?: readonly [number, number, number, number];
  limit: number;
}

const entrances = sql<[number, number][] | null>`ST_AsGeoJSON(s.entrances, 7)::json -> 'coordinates'`;

function siteQuery(db: Kysely<Database>) {
  return db.selectFrom('sites as s').select([
    's.id', 's.category', 's.name', 's.regionCode', 's.gridId', 's.attrs', entrances.as('entrances'),
    asGeoJson('s.geom').as('geometry'),
  ]);
}

export async function listSites(db: Kysely<Database>, filter: SiteFilter) {
  let query = siteQuery(db).orderBy('s.id').limit(filter.limit);
  if (filter.categories?.length) query = query.where('s.category', 'in', filter.categories);
  if (filter.prefix) query = query.where(inSubtree('s.regionCode', filter.prefix)).where(inCounty('s.countyCode', filter.prefix));
  if (filter.bbox) query = query.where(intersectsBbox('s.geom', filter.bbox));
  if (filter.gridId !== undefined) {
    const gridId = filter.gridId;
    query = query.where((eb) => eb.exists(eb.selectFrom('grids as g').select(sql`1`.as('one'))
      .where('g.id', '=', gridId).where(sql<boolean>`ST_Intersects(g.geom, s.geom)`)));
  }
  return query.execute();
}

export async function getSite(db: Kysely<Database>, id: number) {
  return siteQuery(db)
    .innerJoin('siteCategories as sc', 'sc.code', 's.category')
    .innerJoin('regions as v', 'v.code', 's.regionCode')
    .leftJoin('grids as g', 'g.id', 's.gridId')
    .select(['sc.name as categoryName', 'sc.nameEn as categoryNameEn', 'v.name as villageName',
      'g.code as gridCode', 'g.name as gridName', 's.updatedAt', 's.version'])
    .where('s.id', '=', id)
    .executeTakeFirst();
}

export async function listSiteCategories(db: Kysely<Database>) {
  return db.selectFrom('siteCategories')
    .select(['code', 'name', 'nameEn', 'geometryKind', 'hasEntrances', 'color', 'icon', 'attrSchema'])
    .orderBy('sort').execute();
}
