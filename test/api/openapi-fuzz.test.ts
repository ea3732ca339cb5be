import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { sql } from 'kysely';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../../server/auth/auth.repository.ts';
import { newSecret, secretHash } from '../../server/auth/secrets.ts';
import { SESSION_COOKIE } from '../../server/auth/scope.ts';
import { issueApiToken } from '../../server/cli/users.ts';
import { type TableChecksum, checksumDifferences, databaseChecksum } from '../../server/ops/checksum.ts';
import {
  type GenContext, type Mutation, type OpenApiDoc, type Operation, type Schema, evilArb, mutate, operationsOf, valueArb,
} from '../support/openapi-fuzz.ts';
import { type TestContext, createTestContext } from '../support/test-app.ts';

/**
 * A fuzz test generated from /api/openapi.json at test time: for every documented operation,
 * valid-looking and invalid requests (path, query, body), as every demo role (cookie), with a
 * bearer token, a read-only token and anonymously. Every answer must be documented for its
 * operation, no answer may be a 5xx, problems are application/problem+json with a /problems/
 * type, 2xx JSON validates against the documented schema, a cross-site cookie write is refused,
 * and refused writes change nothing (a database checksum around each batch of them).
 *
 * FUZZ_RUNS (default 6) is the number of generated requests per operation and kind
 * (valid-looking, invalid); FUZZ_SEED changes the seed. `FUZZ_RUNS=80` is about 12,000 requests.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 6);
const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
/** Refused writes per checksum batch. */
const BATCH = 200;
/** Checksums (about 1 s each on PGlite) spent on new baselines after accepted writes. */
const CHECKSUM_BUDGET = Number(process.env.FUZZ_CHECKSUMS ?? 2 * RUNS);

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
type Caller = 'admin' | 'planner' | 'dispatcher' | 'inspector' | 'member' | 'unit' | 'token' | 'readToken' | 'anonymous';
const roles = ['admin', 'planner', 'dispatcher', 'inspector', 'member', 'unit'] as const;

interface Req {
  op: Operation;
  kind: 'valid' | 'invalid' | 'hostile';
  caller: Caller;
  url: string;
  /** The JSON value sent (for reports and the allow-list), or a description of a raw body. */
  body?: unknown;
  raw?: { bytes: Uint8Array | string; contentType: string };
  multipart?: Record<string, string | Blob>;
  headers: Record<string, string>;
}
interface Sent extends Req { status: number; contentType: string; text: string }

let t: TestContext;
let doc: OpenApiDoc;
const cookies: Partial<Record<Caller, string>> = {};
let tokens: { token: string; readToken: string };
const photoDir = mkdtempSync(path.join(tmpdir(), 'pingan-fuzz-photos-'));
/** POST operations that compute an answer and, documented so, change nothing even when they succeed: they stay in the checksum batches. */
const readOnlyWrites = new Set(['POST /api/grids/locate', 'POST /api/rules/{id}/run']);
/** Tables the authentication bookkeeping writes to on any request (idle sessions extended, token last use). */
const bookkeeping = ['sessions', 'api_tokens'];

async function sessionFor(username: string): Promise<string> {
  const user = await t.db.kysely.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow();
  const secret = newSecret();
  await createSession(t.db.kysely, user.id, secretHash(secret), { absoluteHours: 12, idleMinutes: 120 });
  return `${SESSION_COOKIE}=${secret}`;
}

beforeAll(async () => {
  process.env.PHOTO_DIR = photoDir;
  t = await createTestContext();
  for (const role of roles) cookies[role] = await sessionFor(role);
  const ids = async (username: string) => (await t.db.kysely.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id;
  tokens = {
    token: (await issueApiToken(t.db.kysely, await ids('planner'), 'fuzz', null, 'write')).token,
    readToken: (await issueApiToken(t.db.kysely, await ids('inspector'), 'fuzz-read', null, 'read')).token,
  };
  doc = (await t.get('/api/openapi.json')).body;
}, 240_000);
afterAll(async () => {
  await t?.close();
  rmSync(photoDir, { recursive: true, force: true });
});

/** Real ids and codes from the demo database, so that valid-looking requests reach the handlers' logic. */
async function hintsOf(): Promise<{ hints: Record<string, unknown[]>; at: [number, number]; pathIds: Record<string, unknown[]> }> {
  const q = async (text: string) => (await sql.raw<{ v: unknown }>(text).execute(t.db.kysely)).rows.map((r) => (typeof r.v === 'string' && /^\d+$/.test(r.v) ? Number(r.v) : r.v));
  const { rows: [g] } = await sql<{ id: number; x: number; y: number }>`select a.grid_id as id, ST_X(ST_PointOnSurface(gr.geom)) as x,
    ST_Y(ST_PointOnSurface(gr.geom)) as y from grid_assignments a join users u on u.person_id = a.person_id join grids gr on gr.id = a.grid_id
    where u.username = 'member' and a.valid_to is null order by a.grid_id limit 1`.execute(t.db.kysely);
  const at: [number, number] = [Number(g.x), Number(g.y)];
  const village = (await t.get('/api/auth/me', cookies.member)).body.user.scopeCode as string;
  // a draft held by the planner, so that plan operations have something to act on
  const plan = await (await t.app.request('/api/plans', { method: 'POST', headers: { cookie: cookies.planner!, 'content-type': 'application/json' },
    body: JSON.stringify({ region: village }) })).json() as { id: number };
  const regions = [village, village.slice(0, 9) + '000', '990101000000', '9901', ...await q('select code as v from regions order by code limit 3')];
  const grids = [Number(g.id), ...await q('select id as v from grids order by id limit 2')];
  const sites = await q(`select id as v from sites where grid_id = ${Number(g.id)} order by id limit 3`);
  const people = await q('select person_id as v from grid_assignments where valid_to is null order by id limit 3');
  const units = await q('select id as v from units order by id limit 2');
  const incidents = await q('select id as v from incidents order by id desc limit 3');
  const rules = await q('select id as v from rules order by id limit 2');
  const patrolRules = await q('select id as v from patrol_rules order by id limit 2');
  const planGrids = await q(`select id as v from plan_grids where plan_id = ${plan.id} order by id limit 3`);
  const assignments = await q(`select id as v from grid_assignments where grid_id = ${Number(g.id)} order by id limit 2`);
  const notifications = await q('select id as v from incident_notifications order by id limit 2');
  const photos = await q('select id as v from incident_photos order by id limit 2');
  const imports = await q('select id as v from import_jobs order by id limit 2');
  const siteCategories = await q('select code as v from site_categories order by code limit 4');
  const incidentCategories = await q('select code as v from incident_categories order by code limit 4');
  const unknownIds = [987654321, 0, -1, 'abc', '1.5', '1e3', '99999999999999999999', ' 1', '%00'];
  const hints = {
    region: regions, parent: regions, within: regions, village: regions, villageCode: regions, scopeCode: regions,
    grid: grids, gridId: grids, gridIds: [grids, planGrids, [planGrids[0], planGrids[1]]], site: sites, siteId: sites, subjectId: sites, targetId: [...sites, null],
    person: people, personId: people, fromPersonId: people, toPersonId: people, unit: units, unitId: units,
    rule: rules, ruleId: rules, category: [...siteCategories, ...incidentCategories], version: [1, 2, 3],
    location: [{ type: 'Point', coordinates: at }], point: [{ type: 'Point', coordinates: at }], lon: [at[0]], lat: [at[1]],
    points: [[at], [at, [at[0] + 0.01, at[1]]]],
    username: ['nobody-fuzz'], password: ['wrong-password'], currentPassword: ['wrong-password'],
  };
  const pathIds: Record<string, unknown[]> = {
    '/api/regions/{code}': regions, '/api/grids/{id}': grids, '/api/sites/{id}': sites, '/api/plans/{id}': [plan.id], 'gid': planGrids,
    '/api/rules/{id}': rules, '/api/imports/{id}': imports, '/api/people/{id}': people, 'assignmentId': assignments,
    '/api/patrol-rules/{id}': patrolRules, '/api/incidents/{id}': incidents, 'photoId': photos, '/api/incident-notifications/{id}': notifications,
    unknown: unknownIds,
  };
  return { hints, at, pathIds };
}

/** The path's template up to the first parameter, and that parameter's name ('/api/plans/{id}/grids/{gid}' → '/api/plans/{id}'). */
function pathValuesFor(pathIds: Record<string, unknown[]>, template: string, name: string): unknown[] {
  const own = pathIds[name] ?? pathIds[template.slice(0, template.indexOf(`{${name}}`) + name.length + 2)];
  return [...(own ?? []).filter((v) => v != null)];
}

function generate(ctx: GenContext, pathIds: Record<string, unknown[]>, ops: Operation[]): Req[] {
  const requests: Req[] = [];
  let seed = SEED;
  const callers: Caller[] = [...roles, 'token', 'readToken', 'anonymous'];
  for (const op of ops) {
    const params = (op.op.parameters ?? []) as Array<{ name: string; in: string; required?: boolean; schema: Schema }>;
    const pathParams = params.filter((p) => p.in === 'path');
    const queryParams = params.filter((p) => p.in === 'query');
    const content = op.op.requestBody?.content as Record<string, { schema: Schema }> | undefined;
    const mediaType = content ? Object.keys(content)[0] : undefined;
    const bodySchema = mediaType ? content![mediaType].schema : undefined;

    const pathArb = fc.record(Object.fromEntries(pathParams.map((p) => {
      const real = pathValuesFor(pathIds, op.path, p.name);
      const fromSchema = valueArb(ctx, p.schema);
      return [p.name, real.length ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...real) }, { weight: 1, arbitrary: fromSchema }) : fromSchema];
    })));
    const queryArb = fc.record(Object.fromEntries(queryParams.map((p) => [p.name, valueArb(ctx, p.schema, p.name)])),
      { requiredKeys: queryParams.filter((p) => p.required).map((p) => p.name) });
    const bodyArb: fc.Arbitrary<unknown> = bodySchema ? valueArb(ctx, bodySchema) : fc.constant(undefined);
    const valid = fc.record({ path: pathArb, query: queryArb, body: bodyArb, caller: fc.constantFrom(...callers) });
    const evil = evilArb(ctx.at);
    const invalid = fc.record({
      base: valid, where: fc.constantFrom('path', 'query', 'body', 'body', 'body'), pick: fc.nat(), how: fc.constantFrom<Mutation>('replace', 'replace', 'delete', 'unknown'),
      evil, unknownId: fc.constantFrom(...pathIds.unknown),
    }).map(({ base, where, pick, how, evil: e, unknownId }) => {
      if ((where === 'path' || (where === 'body' && !bodySchema)) && pathParams.length) {
        const name = pathParams[pick % pathParams.length].name;
        return { ...base, path: { ...base.path, [name]: pick % 3 === 0 ? e : unknownId } };
      }
      if (where === 'query' && queryParams.length) {
        const name = queryParams[pick % queryParams.length].name;
        return { ...base, query: { ...base.query, [name]: how === 'delete' ? undefined : typeof e === 'object' ? JSON.stringify(e) : e } };
      }
      if (bodySchema) return { ...base, body: mutate(base.body, pick, how, e) };
      // nothing to break: an unknown query member then
      return { ...base, query: { ...base.query, unknownParam: e } };
    });

    const toReq = (kind: Req['kind']) => (g: { path: Record<string, unknown>; query: Record<string, unknown>; body: unknown; caller: Caller }): Req => {
      const url = op.path.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(String(g.path[name])))
        + queryString(g.query);
      const headers: Record<string, string> = {};
      const req: Req = { op, kind, caller: g.caller, url, headers };
      if (mediaType === 'application/json') {
        req.body = g.body;
        req.raw = { bytes: g.body === undefined ? '' : JSON.stringify(g.body), contentType: 'application/json' };
      } else if (mediaType === 'multipart/form-data') {
        req.body = g.body;
        req.multipart = multipartOf(g.body, ctx.at);
      } else if (mediaType) {
        req.raw = { bytes: bytesFor(seed++), contentType: mediaType };
      }
      return req;
    };
    requests.push(...fc.sample(valid, { seed: seed++, numRuns: RUNS }).map(toReq('valid')));
    requests.push(...fc.sample(invalid, { seed: seed++, numRuns: RUNS }).map(toReq('invalid')));
    requests.push(...hostile(op, mediaType, toReq('hostile'), fc.sample(valid, { seed: seed++, numRuns: 1 })[0]));
  }
  // the requests meant to be refused first (long batches of refused writes between accepted ones),
  // each phase in a fixed shuffle, so that deletes and publishes do not all come before the edits they would refuse
  let state = SEED >>> 0;
  const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const shuffled = (list: Req[]) => {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [list[i], list[j]] = [list[j], list[i]];
    }
    return list;
  };
  // (requests that take the known CSRF bypass (e) are accepted: they go with the valid-looking ones)
  // and so do sign-outs, which succeed whatever they are sent
  const meantToBeAccepted = (r: Req) => r.kind === 'valid' || /^Bearer\s+\S+\s+\S/.test(r.headers.authorization ?? '')
    || r.op.key === 'POST /api/auth/logout';
  return [...shuffled(requests.filter((r) => !meantToBeAccepted(r))), ...shuffled(requests.filter(meantToBeAccepted))];
}

/** Requests that must be refused whatever their content: no credentials, a read-only token on a write, a foreign origin, broken bodies. */
function hostile(op: Operation, mediaType: string | undefined, toReq: (g: any) => Req,
  base: { path: Record<string, unknown>; query: Record<string, unknown>; body: unknown; caller: Caller }): Req[] {
  const out: Req[] = [toReq({ ...base, caller: 'anonymous' })];
  if (op.method === 'GET') return out;
  out.push(toReq({ ...base, caller: 'readToken' }));
  for (const caller of ['planner', 'member'] as const) {
    const r = toReq({ ...base, caller });
    r.headers.origin = 'https://evil.example';
    out.push(r);
  }
  const malformed = toReq({ ...base, caller: 'planner' });
  malformed.headers.authorization = 'Bearer a b';
  malformed.headers.origin = 'https://evil.example';
  out.push(malformed);
  const raw = (bytes: Uint8Array | string, contentType: string) => {
    const r = toReq({ ...base, caller: 'admin' });
    r.raw = { bytes, contentType };
    r.multipart = undefined;
    r.body = `<${contentType}, ${bytes.length} bytes>`;
    return r;
  };
  out.push(raw('x'.repeat(2 * 1024 * 1024 + 10), mediaType ?? 'application/json'));
  if (mediaType === 'application/json') {
    out.push(raw('{"a":', 'application/json'), raw('', 'application/json'), raw('a=1', 'application/x-www-form-urlencoded'), raw('{}', 'text/plain'), raw('null', 'application/json'));
  } else if (mediaType) {
    out.push(raw('{}', 'application/json'), raw('', mediaType));
  }
  return out;
}

function queryString(query: Record<string, unknown>): string {
  const entries = Object.entries(query).filter(([, v]) => v !== undefined);
  if (!entries.length) return '';
  return '?' + entries.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(typeof v === 'object' ? JSON.stringify(v) : String(v))}`).join('&');
}

/** Deterministic bytes for zip uploads: nothing, garbage, or a zip header without an archive behind it. */
function bytesFor(n: number): Uint8Array {
  const variants = [new Uint8Array(0), new Uint8Array(64).map((_, i) => (i * 37 + n) & 255), Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0])];
  return variants[n % variants.length];
}

/** A multipart form from a generated object: files get small uploads (GeoJSON, CSV, garbage). */
function multipartOf(value: unknown, at: [number, number]): Record<string, string | Blob> {
  const out: Record<string, string | Blob> = {};
  if (!isRecord(value)) return out;
  const files = [
    new File([JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: at }, properties: { name: '模糊测试', category: 'water' } }] })], 'sites.geojson', { type: 'application/geo+json' }),
    new File([`name,lon,lat,category\n模糊测试,${at[0]},${at[1]},water\n`], 'sites.csv', { type: 'text/csv' }),
    new File([`name,lon,lat\nx,999,999\n`], 'bad.csv', { type: 'text/csv' }),
    new File([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])], 'photo.jpg', { type: 'image/jpeg' }),
    new File([JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[]] }, properties: {} }] })], 'broken.geojson'),
    new File(['garbage'], 'x.bin'),
  ];
  let i = 0;
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (k === 'file') out[k] = files[(String(v).length + i++) % files.length];
    else out[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

async function send(r: Req): Promise<Sent> {
  const headers: Record<string, string> = { ...r.headers };
  if (r.caller === 'token') headers.authorization ??= `Bearer ${tokens.token}`;
  else if (r.caller === 'readToken') headers.authorization ??= `Bearer ${tokens.readToken}`;
  else if (r.caller !== 'anonymous') headers.cookie = cookies[r.caller]!;
  let body: RequestInit['body'];
  if (r.multipart) {
    const form = new FormData();
    for (const [k, v] of Object.entries(r.multipart)) form.set(k, v);
    body = form;
  } else if (r.raw) {
    body = r.raw.bytes as RequestInit['body'];
    headers['content-type'] = r.raw.contentType;
  }
  const res = await t.app.request(r.url, { method: r.op.method, headers, body });
  const contentType = res.headers.get('content-type') ?? '';
  const text = /json|text|csv/.test(contentType) ? await res.text() : (await res.arrayBuffer(), '');
  return { ...r, headers, status: res.status, contentType, text };
}

const describeReq = (r: Sent) => `${r.op.method} ${r.url.slice(0, 200)} as ${r.caller}${r.headers.origin ? ` from ${r.headers.origin}` : ''}`
  + `${r.body !== undefined ? ` body ${JSON.stringify(r.body)?.slice(0, 300)}` : ''} → ${r.status} ${r.text.slice(0, 300)}`;

describe('fuzzing the API from its OpenAPI description', () => {
  it('answers every generated request with a documented status, no 5xx, valid bodies, and refused writes change nothing', async () => {
    const started = Date.now();
    const { hints, at, pathIds } = await hintsOf();
    const ops = operationsOf(doc);
    const requests = generate({ doc, hints, at }, pathIds, ops);

    const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: false });
    const defs = JSON.parse(JSON.stringify(doc.components?.schemas ?? {}).replaceAll('#/components/schemas/', '#/$defs/'));
    const validators = new Map<string, ReturnType<typeof ajv.compile>>();
    const validatorFor = (op: Operation, status: number) => {
      const key = `${op.key} ${status}`;
      if (!validators.has(key)) {
        const schema = op.op.responses?.[String(status)]?.content?.['application/json']?.schema;
        validators.set(key, schema ? ajv.compile({ ...JSON.parse(JSON.stringify(schema).replaceAll('#/components/schemas/', '#/$defs/')), $defs: defs }) : (() => true) as any);
      }
      return validators.get(key)!;
    };

    const serverErrors: string[] = [];
    const undocumented = new Map<string, string>();
    const badProblems: string[] = [];
    const badBodies: string[] = [];
    const crossSite: string[] = [];
    const changedByRefused: string[] = [];
    const statuses = new Map<string, Set<number>>();
    let verifiedRefusedWrites = 0;
    let unverifiedRefusedWrites = 0;
    let checksums = 0;
    let validatedBodies = 0;

    let checksumMs = 0;
    const checksum = async () => { checksums++; const t0 = Date.now(); const c = await databaseChecksum(t.db.kysely, { exclude: bookkeeping }); checksumMs += Date.now() - t0; return c; };
    let baseline: Record<string, TableChecksum> | undefined = await checksum();
    let batch: Sent[] = [];
    const closeBatch = async () => {
      if (!batch.length) return;
      const after = await checksum();
      const differences = checksumDifferences(baseline!, after);
      if (differences.length) changedByRefused.push(`a batch of ${batch.length} refused writes changed ${differences.join(', ')}:\n  ${batch.map(describeReq).join('\n  ')}`);
      verifiedRefusedWrites += batch.length;
      baseline = after;
      batch = [];
    };

    const timing = new Map<string, number>();
    for (const r of requests) {
      const t0 = Date.now();
      const s = await send(r);
      timing.set(r.op.key, (timing.get(r.op.key) ?? 0) + Date.now() - t0);
      const documented = Object.keys(r.op.op.responses ?? {});
      if (!statuses.has(r.op.key)) statuses.set(r.op.key, new Set());
      statuses.get(r.op.key)!.add(s.status);
      if (s.status >= 500) serverErrors.push(describeReq(s));
      if (!documented.includes(String(s.status)) && !documented.includes('default')) {
        const key = `${r.op.key} ${s.status}`;
        if (!undocumented.has(key)) undocumented.set(key, describeReq(s));
      }
      if (s.status >= 400) {
        let type: unknown;
        try { type = JSON.parse(s.text).type; } catch { type = undefined; }
        if (!/^application\/problem\+json/.test(s.contentType) || typeof type !== 'string' || !type.startsWith('/problems/')) badProblems.push(describeReq(s));
      }
      if (s.status >= 200 && s.status < 300 && /^application\/json/.test(s.contentType)) {
        const validate = validatorFor(r.op, s.status);
        validatedBodies++;
        if (!validate(JSON.parse(s.text))) badBodies.push(`${describeReq({ ...s, text: '' })}: ${ajv.errorsText(validate.errors).slice(0, 500)}`);
      }
      // a cross-site write is refused: 403 by the CSRF guard, or 401 where its Authorization header is malformed
      if (r.headers.origin && r.caller !== 'anonymous' && r.op.method !== 'GET' && s.status !== 403 && s.status !== 401) crossSite.push(describeReq(s));
      // keep every role signed in: a generated logout (or a login with a cookie) ends the caller's session
      if (s.status < 300 && (r.op.path === '/api/auth/logout' || r.op.path === '/api/auth/login')) {
        for (const role of roles) {
          if ((await t.get('/api/auth/me', cookies[role])).status === 401) cookies[role] = await sessionFor(role);
        }
      }
      if (r.op.method === 'GET') continue;
      if (s.status >= 400 || readOnlyWrites.has(r.op.key)) {
        if (!baseline) unverifiedRefusedWrites++;
        else {
          batch.push(s);
          if (batch.length >= BATCH) await closeBatch();
        }
      } else {
        // an accepted write changes the database: the refused writes since the baseline cannot be told apart
        // from it; a new baseline costs a checksum, so there is a budget of them (FUZZ_CHECKSUMS)
        unverifiedRefusedWrites += batch.length;
        if (process.env.FUZZ_DEBUG && r.kind !== 'valid') console.log(`accepted: ${describeReq(s)}`.slice(0, 400));
        batch = [];
        baseline = checksums < CHECKSUM_BUDGET ? await checksum() : undefined;
      }
    }
    await closeBatch();

    if (undocumented.size) console.log(`undocumented: ${[...undocumented.keys()].sort().join('\n')}`);
    if (badBodies.length) console.log(`off-schema 2xx bodies:\n${badBodies.slice(0, 20).join('\n')}`);
    if (process.env.FUZZ_TIMING) console.log([...timing].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${k} ${v} ms`).join('\n'));
    const covered = [...statuses.keys()].length;
    console.log(`openapi fuzz: ${covered}/${ops.length} operations covered, ${requests.length} requests generated (seed ${SEED}, ${RUNS} runs), `
      + `${serverErrors.length} 5xx, ${undocumented.size} undocumented (operation,status), ${badProblems.length} bad problems, `
      + `${badBodies.length} of ${validatedBodies} 2xx JSON bodies off-schema, refused writes checked by checksum ${verifiedRefusedWrites} (${unverifiedRefusedWrites} beside an accepted write), `
      + `${checksums} checksums (${checksumMs} ms), ${((Date.now() - started) / 1000).toFixed(1)} s`);

    expect(covered).toBe(ops.length);
    expect(serverErrors, 'no 5xx').toEqual([]);
    expect([...undocumented.values()], 'every answered status is documented').toEqual([]);
    expect(badProblems.slice(0, 20), 'errors are problem+json with a /problems/ type').toEqual([]);
    expect(badBodies.slice(0, 20), '2xx bodies match the documented schema').toEqual([]);
    expect(crossSite.slice(0, 20), 'cross-site cookie writes are refused').toEqual([]);
    expect(changedByRefused, 'refused writes change nothing').toEqual([]);
    expect(verifiedRefusedWrites).toBeGreaterThan(requests.length / 10);
    expect(validatedBodies).toBeGreaterThan(requests.length / 10);
  }, 600_000);
});
