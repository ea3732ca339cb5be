import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../../server/cli/users.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

let t: TestContext;
let token: string;
let memberToken: string;
let point: { x: number; y: number };

beforeAll(async () => {
  t = await createTestContext();
  const db = t.db.kysely;
  const ids = await db.selectFrom('users').select(['id', 'username']).where('username', 'in', ['dispatcher', 'member']).execute();
  token = (await issueApiToken(db, ids.find((u) => u.username === 'dispatcher')!.id, '12345', null)).token;
  memberToken = (await issueApiToken(db, ids.find((u) => u.username === 'member')!.id, 'phone', null)).token;
  const { rows } = await sql<{ x: number; y: number }>`select ST_X(p) as x, ST_Y(p) as y from
    (select ST_PointOnSurface(geom) as p from grids where layer_id = 1 order by code limit 1 offset 80) g`.execute(db);
  point = rows[0];
});
afterAll(async () => { await t?.close(); });

const open311 = async (path: string, init: RequestInit = {}, bearer: string | null = token) => {
  const res = await t.app.request(`/open311/v2${path}`, { ...init, headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(init.headers ?? {}) } });
  return { status: res.status, body: await res.json() as any };
};
const form = (fields: Record<string, string | number>) => ({
  method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)])).toString(),
});

describe('Open311 GeoReport v2', () => {
  it('lists the categories as services, with attribute definitions', async () => {
    const services = await open311('/services.json', {}, null);
    expect(services.status).toBe(200);
    expect(services.body.find((s: any) => s.service_code === 'safety.fire')).toMatchObject({ service_name: '消防隐患', type: 'realtime', metadata: true, group: 'safety' });
    const def = await open311('/services/dispute.labour.json', {}, null);
    expect(def.body.attributes.map((a: any) => [a.code, a.datatype])).toEqual([['workers', 'number'], ['amount', 'number'], ['employer', 'string']]);
    expect((await open311('/services/nothing.json', {}, null)).status).toBe(404);
  });

  it('round trip: a hotline submits a request, reads it open, follows it through our workflow to closed', async () => {
    const created = await open311('/requests.json', form({
      service_code: 'dispute.labour', lat: point.y, long: point.x, description: '某工地拖欠12名工人工资三个月',
      first_name: '明', last_name: '李', phone: '13700000000', 'attribute[workers]': 12, address_string: '安澜大道205号',
    }));
    expect(created.status).toBe(201);
    const id = created.body[0].service_request_id;
    expect(id).toMatch(/^SJ\d{8}-\d{4}$/);

    const read = await open311(`/requests/${id}.json`);
    expect(read.status).toBe(200);
    expect(read.body).toHaveLength(1);
    expect(read.body[0]).toMatchObject({ service_request_id: id, status: 'open', status_notes: '已上报，待受理', service_code: 'dispute.labour',
      address: '安澜大道205号', agency_responsible: null });
    expect(read.body[0].lat).toBeCloseTo(point.y, 6);
    expect(read.body[0].long).toBeCloseTo(point.x, 6);

    // the incident is ours: caller, extra fields, source
    const incident = await t.db.kysely.selectFrom('incidents').select(['id', 'source', 'callerName', 'callerPhone', 'attrs'])
      .where('code', '=', id).executeTakeFirstOrThrow();
    expect(incident).toMatchObject({ source: 'open311', callerName: '李明', callerPhone: '13700000000', attrs: { workers: 12 } });

    const cookie = await t.login('dispatcher');
    const unit = await t.login('unit');
    const step = (action: string, who: string, extra: object = {}) => t.app.request(`/api/incidents/${incident.id}/actions`, {
      method: 'POST', headers: { cookie: who, 'content-type': 'application/json' }, body: JSON.stringify({ action, ...extra }) });
    const police = (await t.db.kysely.selectFrom('units').select('id').where('code', '=', 'police').executeTakeFirstOrThrow()).id;
    expect((await step('accept', cookie)).status).toBe(200);
    expect((await step('dispatch', cookie, { unitId: police })).status).toBe(200);
    let now = (await open311(`/requests/${id}.json`)).body[0];
    expect(now).toMatchObject({ status: 'open', agency_responsible: '平安示范县公安局' });
    expect(now.status_notes).toMatch(/^已交办/);
    await step('start', unit);
    await step('resolve', unit, { note: '已督促企业支付全部工资' });
    expect((await step('close', cookie)).status).toBe(200);
    now = (await open311(`/requests/${id}.json`)).body[0];
    expect(now.status).toBe('closed');
    expect(now.status_notes).toBe('已办结：已督促企业支付全部工资');

    const closedList = await open311('/requests.json?status=closed&service_code=dispute.labour');
    expect(closedList.body.map((r: any) => r.service_request_id)).toContain(id);
    expect(closedList.body.every((r: any) => r.status === 'closed')).toBe(true);
    expect((await open311('/requests?status=closed&service_code=dispute.labour')).body).toEqual(closedList.body);
    const openList = await open311('/requests.json?status=open');
    expect(openList.body.map((r: any) => r.service_request_id)).not.toContain(id);
    // a rejection is closed too
    const rejectedId = (await open311('/requests.json', form({ service_code: 'city.ads', lat: point.y, long: point.x, description: '小广告', api_key: token }), null)).body[0].service_request_id;
    const rejected = await t.db.kysely.selectFrom('incidents').select('id').where('code', '=', rejectedId).executeTakeFirstOrThrow();
    await t.app.request(`/api/incidents/${rejected.id}/actions`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'reject', note: '已自行清理' }) });
    expect((await open311(`/requests/${rejectedId}.json`)).body[0]).toMatchObject({ status: 'closed', status_notes: '不予受理：已自行清理' });
  });

  it('answers GeoReport errors: no key, bad input, out of scope', async () => {
    expect((await open311('/requests.json', {}, null))).toMatchObject({ status: 401, body: [{ code: 401 }] });
    expect((await open311('/requests.json', form({ service_code: 'city.ads', lat: point.y, long: point.x, description: 'x' }), 'pgt_wrong')).status).toBe(401);
    const noPoint = await open311('/requests.json', form({ service_code: 'city.ads', description: '无坐标', address_string: '某路' }));
    expect(noPoint.status).toBe(400);
    expect(noPoint.body[0].description).toMatch(/lat and long/);
    expect((await open311('/requests.json', form({ service_code: 'nope', lat: point.y, long: point.x, description: 'x' }))).status).toBe(400);
    expect((await open311('/requests.json', form({ service_code: 'city.ads', lat: 10, long: 10, description: 'x' }))).status).toBe(422);
    // a grid member's token reads only their grids' requests
    const mine = await open311('/requests.json?status=closed', {}, memberToken);
    expect(mine.status).toBe(200);
    const all = await open311('/requests.json?status=closed');
    expect(mine.body.length).toBeLessThan(all.body.length);
    expect((await open311('/requests/SJ20000101-0001.json')).status).toBe(404);
    const count = await sql<{ n: number }>`select count(*)::int as n from incidents where source = 'open311'`.execute(t.db.kysely);
    expect(count.rows[0].n).toBe(2);
  });
});
