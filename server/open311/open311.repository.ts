import { type Kysely, type SqlBool, sql } from 'kysely';
import type { Database } from '../db/schema.ts';

/** Which Open311 requests: by code, or by creation time (default: the last 90 days), service and status. */
export type RequestFilter =
  | { codes: string[] }
  | { codes?: undefined; start?: Date; end?: Date; serviceCodes?: string[]; status?: 'open' | 'closed' };

/** Incidents as Open311 requests (newest first, at most 1000), as the caller's scope shows them. */
export async function listRequests(db: Kysely<Database>, filter: RequestFilter) {
  let query = db.selectFrom('incidents as i')
    .innerJoin('incidentCategories as cat', 'cat.code', 'i.category')
    .leftJoin('units as u', 'u.id', 'i.unitId')
    .leftJoin('regions as v', 'v.code', 'i.regionCode')
    .leftJoin('grids as g', 'g.id', 'i.gridId')
    .select(['i.id', 'i.code', 'i.state', 'i.category', 'cat.name as serviceName', 'i.description', 'u.name as unitName',
      'i.createdAt', 'i.dueAt', 'i.sourceData', 'v.name as villageName', 'g.name as gridName',
      sql<number>`ST_X(i.location)`.as('lon'), sql<number>`ST_Y(i.location)`.as('lat'),
      sql<Date>`(select max(e.at) from incident_events e where e.incident_id = i.id)`.as('updatedAt'),
      sql<string | null>`(select e.note from incident_events e where e.incident_id = i.id and e.note is not null
        and e.action not in ('report', 'supervise') order by e.at desc, e.id desc limit 1)`.as('lastNote'),
      sql<number | null>`(select min(p.id) from incident_photos p where p.incident_id = i.id)`.as('photoId')]);
  if (filter.codes) query = query.where('i.code', 'in', filter.codes.length ? filter.codes : ['']);
  else {
    const { start, end } = filter;
    // the spec's default window: the last 90 days
    query = query.where('i.createdAt', '>=', start ?? (end ? new Date(+end - 90 * 86400_000) : sql<Date>`now() - interval '90 days'`));
    if (end) query = query.where('i.createdAt', '<=', end);
    if (filter.serviceCodes) query = query.where('i.category', 'in', filter.serviceCodes);
    if (filter.status === 'open') query = query.where('i.state', 'not in', ['closed', 'rejected']);
    else if (filter.status === 'closed') query = query.where('i.state', 'in', ['closed', 'rejected']);
  }
  return query.where(sql<SqlBool>`true`).orderBy('i.createdAt', 'desc').limit(1000).execute();
}
