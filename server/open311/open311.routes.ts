import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { Kysely } from 'kysely';
import { userByToken } from '../auth/auth.repository.ts';
import { scopedTransaction } from '../auth/scope.ts';
import { secretHash } from '../auth/secrets.ts';
import type { Database, IncidentState } from '../db/schema.ts';
import type { AppEnv } from '../http/env.ts';
import { ProblemError } from '../http/problem.ts';
import { parseDayOrInstant } from '../http/schemas.ts';
import { listCategories } from '../incidents/incidents.repository.ts';
import { createIncident } from '../incidents/incidents.service.ts';
import { type RequestFilter, listRequests } from './open311.repository.ts';

/**
 * Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2), JSON only, so that a 12345 hotline
 * system can submit and read cases. Services are the incident categories. Requests are incidents,
 * identified by their code (SJ…); our states map onto open/closed with the detail in status_notes.
 * Reading and writing requests take a bearer token (Authorization header, or the spec's api_key
 * parameter) whose account's scope and role apply as everywhere else (a centre dispatcher's token
 * for a hotline). Errors are GeoReport error arrays: [{ code, description }].
 */

const stateNotes: Record<IncidentState, string> = {
  reported: '已上报，待受理', accepted: '已受理', rejected: '不予受理', dispatched: '已交办', in_progress: '处置中',
  resolved: '已办结，待核查结案', closed: '已办结', escalated: '已提交上级处理', reopened: '重新办理',
};
export const open311Status = (state: IncidentState): 'open' | 'closed' => (state === 'closed' || state === 'rejected' ? 'closed' : 'open');

const geoError = (c: Context, status: number, description: string) =>
  c.json([{ code: status, description }], status as 400);

type Db = Kysely<Database>;

/** Form (the spec's encoding) or JSON body as flat string fields. */
async function fields(c: Context): Promise<Record<string, string>> {
  const type = c.req.header('content-type') ?? '';
  if (type.includes('application/json')) {
    const body = await c.req.json().catch(() => null) as Record<string, unknown> | null;
    if (!body || typeof body !== 'object') return {};
    return Object.fromEntries(Object.entries(body).filter(([, v]) => v != null).map(([k, v]) => [k, String(v)]));
  }
  const form = await c.req.parseBody();
  return Object.fromEntries(Object.entries(form).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

export function open311Routes(owner: Db) {
  const app = new Hono<AppEnv>();

  app.onError((error, c) => {
    if (error instanceof ProblemError) return geoError(c, error.status, error.detail);
    console.error(error);
    return geoError(c, 500, 'unexpected error; it has been logged');
  });

  // the spec's api_key parameter is accepted as a bearer token, too
  const apiKey: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (!c.get('user')) {
      let key = c.req.query('api_key');
      if (!key && c.req.method === 'POST') key = (await fields(c)).api_key;
      const found = key ? await userByToken(owner, secretHash(key)) : undefined;
      if (found) {
        // a read-only token reads, whichever way it is sent (authenticate() checks the Bearer header)
        const { access, ...user } = found;
        if (access === 'read' && !['GET', 'HEAD'].includes(c.req.method)) {
          return geoError(c, 403, 'this token may only read; make a read-write token to submit requests');
        }
        c.set('user', user);
      }
    }
    if (!c.get('user')) return geoError(c, 401, 'requests need an API key: Authorization: Bearer <token>, or api_key');
    await next();
  };
  const scoped = scopedTransaction(owner);

  const services = async () => (await listCategories(owner)).map((cat) => ({
    service_code: cat.code,
    service_name: cat.name,
    description: `${cat.nameEn}; 处置时限 ${cat.deadlineHours} 小时`,
    metadata: Object.keys((cat.attrSchema as { properties?: object }).properties ?? {}).length > 0,
    type: 'realtime',
    keywords: cat.nameEn,
    group: cat.parentCode ?? cat.code,
  }));
  app.get('/services', async (c) => c.json(await services()));
  app.get('/services.json', async (c) => c.json(await services()));
  app.get('/services/:file', async (c) => {
    const code = c.req.param('file').replace(/\.json$/, '');
    const cat = (await listCategories(owner)).find((s) => s.code === code);
    if (!cat) return geoError(c, 404, `no service ${code}`);
    const schema = cat.attrSchema as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
    return c.json({
      service_code: cat.code,
      attributes: Object.entries(schema.properties ?? {}).map(([key, f], i) => ({
        variable: true, code: key,
        datatype: f.oneOf ? 'singlevaluelist' : f.type === 'integer' || f.type === 'number' ? 'number' : 'string',
        required: (schema.required ?? []).includes(key), datatype_description: f.type === 'boolean' ? 'true or false' : (f.unit as string) ?? '',
        order: i + 1, description: `${f.title as string} ${f.titleEn as string}`,
        ...(f.oneOf ? { values: (f.oneOf as Array<{ const: string; title: string }>).map((o) => ({ key: o.const, name: o.title })) } : {}),
      })),
    });
  });

  // ('/requests/*' also matches '/requests' itself: one scoped transaction per request)
  for (const path of ['/requests.json', '/requests/*']) {
    app.use(path, apiKey);
    app.use(path, scoped);
  }

  const submit = async (c: Context<AppEnv>) => {
    const f = await fields(c);
    const db = c.get('db');
    if (!f.service_code) return geoError(c, 400, 'service_code is required');
    const lat = Number(f.lat);
    const lon = Number(f.long);
    if (!f.lat || !f.long || !Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
      return geoError(c, 400, 'lat and long (WGS84) are required: this endpoint does not geocode address_string');
    }
    const description = (f.description ?? '').trim();
    if (!description) return geoError(c, 400, 'description is required');
    const cat = (await listCategories(db)).find((s) => s.code === f.service_code);
    if (!cat) return geoError(c, 400, `unknown service_code ${f.service_code}`);
    // attribute[code]=value, typed by the category's schema
    const props = (cat.attrSchema as { properties?: Record<string, { type?: string }> }).properties ?? {};
    const attrs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(f)) {
      const code = /^attribute\[([A-Za-z0-9_]+)\]$/.exec(key)?.[1];
      if (!code) continue;
      const type = props[code]?.type;
      attrs[code] = type === 'integer' || type === 'number' ? Number(value) : type === 'boolean' ? value === 'true' : value;
    }
    const name = [f.last_name, f.first_name].filter(Boolean).join('').trim();
    const phone = f.phone?.replace(/[\s()]/g, '');
    if (phone && !/^[0-9+-]{5,20}$/.test(phone)) return geoError(c, 400, 'phone must be 5 to 20 digits');
    const created = await createIncident(db, c.get('user')!, {
      category: cat.code, title: description.length > 40 ? `${description.slice(0, 40)}…` : description, description,
      point: [lon, lat], attrs, caller: name ? { name: name.slice(0, 50), phone: phone || null } : null, source: 'open311',
      sourceData: Object.fromEntries(Object.entries({ address: f.address_string, addressId: f.address_id, email: f.email,
        deviceId: f.device_id, accountId: f.account_id, mediaUrl: f.media_url }).filter(([, v]) => v)),
    });
    return c.json([{ service_request_id: created.code, service_notice: `已登记，处置时限 ${cat.deadlineHours} 小时`, account_id: f.account_id ?? null }], 201);
  };
  app.post('/requests', submit);
  app.post('/requests.json', submit);

  const list = async (c: Context<AppEnv>, codes?: string[]) => {
    const db = c.get('db');
    const q = c.req.query();
    const ids = codes ?? (q.service_request_id ? q.service_request_id.split(',').map((s) => s.trim()) : undefined);
    let filter: RequestFilter;
    if (ids) filter = { codes: ids };
    else {
      // a day is read in China time, as everywhere in the API (its start, or its end for end_date)
      const start = q.start_date ? parseDayOrInstant(q.start_date, 'start') : undefined;
      const end = q.end_date ? parseDayOrInstant(q.end_date, 'end') : undefined;
      if ((q.start_date && !start) || (q.end_date && !end)) return geoError(c, 400, 'start_date and end_date are w3 datetimes: YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a time zone');
      if (q.status && q.status !== 'open' && q.status !== 'closed') return geoError(c, 400, 'status is open or closed');
      filter = { start, end, serviceCodes: q.service_code ? q.service_code.split(',') : undefined, status: q.status as 'open' | 'closed' | undefined };
    }
    const rows = await listRequests(db, filter);
    const origin = new URL(c.req.url).origin;
    return c.json(rows.map((r) => {
      const source = (r.sourceData ?? {}) as Record<string, string>;
      return {
        service_request_id: r.code,
        status: open311Status(r.state),
        status_notes: r.lastNote && r.state !== 'reported' ? `${stateNotes[r.state]}：${r.lastNote}` : stateNotes[r.state],
        service_name: r.serviceName, service_code: r.category, description: r.description,
        agency_responsible: r.unitName, service_notice: null,
        requested_datetime: new Date(r.createdAt).toISOString(),
        updated_datetime: r.updatedAt ? new Date(r.updatedAt).toISOString() : null,
        expected_datetime: r.dueAt ? new Date(r.dueAt).toISOString() : null,
        address: source.address ?? [r.villageName, r.gridName].filter(Boolean).join(' '), address_id: source.addressId ?? null, zipcode: null,
        lat: Number(r.lat), long: Number(r.lon),
        media_url: r.photoId ? `${origin}/api/incidents/${r.id}/photos/${r.photoId}` : (source.mediaUrl ?? null),
      };
    }));
  };
  app.get('/requests', (c) => list(c));
  app.get('/requests.json', (c) => list(c));
  app.get('/requests/:file', async (c) => {
    const file = c.req.param('file');
    if (!file.endsWith('.json')) return geoError(c, 400, 'only the JSON format is offered: /requests/{id}.json');
    const res = await list(c, [file.slice(0, -'.json'.length)]);
    const body = await res.clone().json() as unknown[];
    if (res.status === 200 && !body.length) return geoError(c, 404, `no request ${file.slice(0, -5)} in your scope`);
    return res;
  });
  app.all('*', (c) => geoError(c, 404, 'no such Open311 endpoint (JSON only: services.json, requests.json, requests/{id}.json)'));
  return app;
}
