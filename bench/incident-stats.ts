/**
 * Incident statistics at prefecture volume: inserts synthetic incidents (generate_series in SQL,
 * spread over the demo county's grids and the last twelve months) into a scratch database, then
 * times GET /api/stats/incidents (in process, as the demo inspector: row-level security applies) for
 * the last full month and for the last twelve months, grouped by township and by month — medians of
 * the runs — against a naive baseline: the same scoped rows fetched to JavaScript and counted there.
 *
 * PostgreSQL (DATABASE_URL set): 2,000,000 incidents (a prefecture's year) into a throwaway clone of
 * the test template, dropped afterwards. PGlite (default): 200,000 (a county's year) in memory.
 * Usage: [DATABASE_URL=…] npx tsx bench/incident-stats.ts [incidents] [runs]
 * (BENCH_KEEP=1 keeps the PostgreSQL scratch database; BENCH_DB=<name> measures a kept one again.)
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { createApp } from '../server/app.ts';
import { type Db, openDatabase } from '../server/db/connection.ts';
import { DEMO_PASSWORD } from '../server/demo/demo.seed.ts';
import { cloneTemplateDatabase, ensurePgliteTemplate, ensurePostgresTemplate, withDatabase } from '../test/support/template.ts';

const databaseUrl = process.env.DATABASE_URL;
const volume = Number(process.argv[2] ?? (databaseUrl ? 2_000_000 : 200_000));
const runs = Number(process.argv[3] ?? 7);

let db: Db;
let drop: (() => Promise<void>) | undefined;
const reuse = process.env.BENCH_DB;
if (databaseUrl && reuse) {
  // BENCH_DB=name measures a database kept by an earlier BENCH_KEEP=1 run, without loading again
  db = await openDatabase({ databaseUrl: withDatabase(databaseUrl, reuse) });
} else if (databaseUrl) {
  const template = await ensurePostgresTemplate(databaseUrl);
  const name = `pingan_bench_${randomBytes(4).toString('hex')}`;
  const clone = await cloneTemplateDatabase(databaseUrl, template, name);
  if (process.env.BENCH_KEEP) console.log(`scratch database: ${name}`);
  db = await openDatabase({ databaseUrl: clone.databaseUrl });
  drop = clone.drop;
} else {
  db = await openDatabase({ loadDataDir: readFileSync(await ensurePgliteTemplate()) });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

try {
  const k = db.kysely;
  // ---- the volume: deterministic pseudo-random spread (multiplicative hashes of n) ----
  const t0 = performance.now();
  if (!reuse) {
    // the spatial indexes play no part in statistics and would dominate the load time
    await sql`drop index if exists incidents_location_idx`.execute(k);
    await sql`drop index if exists incidents_location_geog_idx`.execute(k);
    await sql`create temp table bench_grids as
      select row_number() over (order by id) - 1 as i, id, village_code, ST_PointOnSurface(geom) as pt
      from grids where valid_to is null and layer_id = 1`.execute(k);
    await sql`create temp table bench_categories as
      select row_number() over (order by code) - 1 as i, code, deadline_hours from incident_categories`.execute(k);
    const batch = 250_000;
    for (let start = 1; start <= volume; start += batch) {
      const end = Math.min(volume, start + batch - 1);
      await sql`insert into incidents (code, category, title, location, grid_id, region_code, state, due_at, created_at, closed_at, resolved_at)
        select 'BENCH-' || n, c.code, '基准测试事件', g.pt, g.id, g.village_code, s.state,
          t.created + make_interval(hours => c.deadline_hours), t.created,
          case when s.state = 'closed' then t.created + make_interval(hours => h.hours + 24) end,
          case when s.state in ('resolved', 'closed') then t.created + make_interval(hours => h.hours) end
        from generate_series(${start}::int, ${end}::int) n
        cross join lateral (select (n::bigint * 2654435761) % 4294967296 as x) r
        join bench_grids g on g.i = r.x % (select count(*) from bench_grids)
        join bench_categories c on c.i = (r.x / 7) % (select count(*) from bench_categories)
        cross join lateral (select now() - make_interval(secs => ((r.x / 13) % 31536000)::float8) as created) t
        cross join lateral (select ((r.x / 17) % 400)::int as hours) h
        cross join lateral (select case
          when t.created > now() - interval '3 days' and (r.x / 19) % 3 = 0 then 'reported'
          when (r.x / 23) % 100 < 72 then 'closed'
          when (r.x / 23) % 100 < 80 then 'resolved'
          when (r.x / 23) % 100 < 87 then 'in_progress'
          when (r.x / 23) % 100 < 91 then 'dispatched'
          when (r.x / 23) % 100 < 94 then 'rejected'
          when (r.x / 23) % 100 < 96 then 'accepted'
          when (r.x / 23) % 100 < 98 then 'escalated'
          else 'reopened' end as state) s`.execute(k);
    }
    if (db.kind === 'postgres') await sql`vacuum analyze incidents`.execute(k);
    else await sql`analyze incidents`.execute(k);
  }
  const { rows: [{ n }] } = await sql<{ n: number }>`select count(*)::int as n from incidents`.execute(k);
  console.log(`engine: ${db.kind}; ${Number(n).toLocaleString('en')} incidents (${reuse ? `kept database ${reuse}` : `${volume.toLocaleString('en')} synthetic over the last 12 months + the demo's, loaded in ${fmt(performance.now() - t0)}`})`);

  const { rows: [days] } = await sql<{ today: string; monthFrom: string; monthTo: string; yearFrom: string }>`
    with d as (select (now() at time zone 'Asia/Shanghai')::date as today)
    select to_char(today, 'YYYY-MM-DD') as today,
      to_char(date_trunc('month', today) - interval '1 month', 'YYYY-MM-DD') as month_from,
      to_char(date_trunc('month', today) - interval '1 day', 'YYYY-MM-DD') as month_to,
      to_char(today - 364, 'YYYY-MM-DD') as year_from from d`.execute(k);
  const county = (await k.selectFrom('regions').select('code').where('level', '=', 'county').executeTakeFirstOrThrow()).code;

  const app = createApp(db, { demo: true, basemap: { kind: 'none' }, sessionHours: 12 });
  const login = await app.request('/api/auth/login', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'inspector', password: DEMO_PASSWORD }),
  });
  const cookie = login.headers.get('set-cookie')!.split(';')[0];

  async function timeApi(groupBy: string, from: string, to: string) {
    const times: number[] = [];
    let total = 0;
    for (let i = 0; i < runs + 1; i += 1) {
      const s = performance.now();
      const res = await app.request(`/api/stats/incidents?region=${county}&groupBy=${groupBy}&from=${from}&to=${to}`, { headers: { cookie } });
      const body = await res.json() as { summary: { total: number } };
      if (res.status !== 200) throw new Error(JSON.stringify(body));
      if (i > 0) times.push(performance.now() - s);
      total = body.summary.total;
    }
    return { ms: median(times), total };
  }

  /** The naive way: the scoped rows of the period fetched to JavaScript, counted per township there. */
  async function timeNaive(from: string, to: string) {
    const times: number[] = [];
    let total = 0;
    for (let i = 0; i < Math.max(3, Math.ceil(runs / 2)) + 1; i += 1) {
      const s = performance.now();
      const trx = await k.startTransaction().setAccessMode('read only').execute();
      try {
        await sql`select set_config('pingan.role', 'inspector', true), set_config('pingan.scope', ${county.slice(0, 6)}, true)`.execute(trx);
        await sql`set local role pingan_app`.execute(trx);
        const { rows } = await sql<{ regionCode: string; state: string; createdAt: Date; dueAt: Date | null; resolvedAt: Date | null }>`
          select region_code, state, created_at, due_at, resolved_at from incidents
          where region_code >= ${county.slice(0, 6)} and region_code < ${`${county.slice(0, 6)}:`}
            and created_at >= (${from}::date::timestamp at time zone 'Asia/Shanghai')
            and created_at < ((${to}::date + 1)::timestamp at time zone 'Asia/Shanghai')`.execute(trx);
        const now = Date.now();
        const groups = new Map<string, { total: number; accepted: number; resolved: number; onTime: number; hours: number; overdue: number }>();
        for (const r of rows) {
          const key = `${r.regionCode.slice(0, 9)}000`;
          let g = groups.get(key);
          if (!g) groups.set(key, g = { total: 0, accepted: 0, resolved: 0, onTime: 0, hours: 0, overdue: 0 });
          g.total += 1;
          if (r.state !== 'reported' && r.state !== 'rejected') g.accepted += 1;
          const due = r.dueAt ? new Date(r.dueAt).getTime() : null;
          if (r.state === 'resolved' || r.state === 'closed') {
            g.resolved += 1;
            const resolved = new Date(r.resolvedAt!).getTime();
            if (due === null || resolved <= due) g.onTime += 1;
            g.hours += (resolved - new Date(r.createdAt).getTime()) / 3_600_000;
          } else if (r.state !== 'rejected' && due !== null && due < now) g.overdue += 1;
        }
        total = rows.length;
      } finally {
        await trx.rollback().execute();
      }
      if (i > 0) times.push(performance.now() - s);
    }
    return { ms: median(times), total };
  }

  async function plan(from: string, to: string) {
    const trx = await k.startTransaction().execute();
    try {
      await sql`select set_config('pingan.role', 'inspector', true), set_config('pingan.scope', ${county.slice(0, 6)}, true)`.execute(trx);
      await sql`set local role pingan_app`.execute(trx);
      const { rows } = await sql<Record<string, string>>`explain select count(*) from incidents i
        where i.region_code >= ${county.slice(0, 6)} and i.region_code < ${`${county.slice(0, 6)}:`}
          and i.created_at >= (${from}::date::timestamp at time zone 'Asia/Shanghai')
          and i.created_at < ((${to}::date + 1)::timestamp at time zone 'Asia/Shanghai')`.execute(trx);
      return rows.map((r) => Object.values(r)[0]).find((l) => /Scan/.test(l))?.trim().replace(/\s+\(cost.*$/, '') ?? '?';
    } finally {
      await trx.rollback().execute();
    }
  }

  console.log(`${runs} runs per request (median), in-process app.request as the demo inspector (whole county, row-level security on)`);
  console.log(`${'period'.padEnd(30)} ${'groupBy'.padEnd(9)} ${'incidents'.padStart(10)} ${'SQL (API)'.padStart(10)} ${'naive JS'.padStart(10)}  ratio  plan`);
  for (const [label, from, to] of [[`month ${days.monthFrom}…${days.monthTo}`, days.monthFrom, days.monthTo], [`year ${days.yearFrom}…${days.today}`, days.yearFrom, days.today]] as const) {
    const naive = await timeNaive(from, to);
    for (const groupBy of ['township', 'month']) {
      const api = await timeApi(groupBy, from, to);
      if (api.total !== naive.total) throw new Error(`API counted ${api.total}, the baseline ${naive.total}`);
      console.log(`${label.padEnd(30)} ${groupBy.padEnd(9)} ${api.total.toLocaleString('en').padStart(10)} ${fmt(api.ms).padStart(10)} ${fmt(naive.ms).padStart(10)}  ${(naive.ms / api.ms).toFixed(1).padStart(4)}×  ${await plan(from, to)}`);
    }
  }
} finally {
  await db.close();
  // BENCH_KEEP=1 keeps the PostgreSQL scratch database for a look at the plans
  if (process.env.BENCH_KEEP) console.log('kept the scratch database'); else await drop?.();
}
