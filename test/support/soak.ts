import { readFileSync } from 'node:fs';

export interface SoakOptions {
  baseUrl: string;
  /** requests per second, held fixed (open loop: a slow answer does not slow the sender) */
  rate: number;
  durationMs: number;
  /** pid of the server, for RSS samples from /proc */
  pid?: number;
  cookie: string;
  /** a site the soak renames back and forth (a write in the mix) */
  siteId: number;
  bbox: string;
  tile: string;
}

export interface SoakReport {
  sent: number;
  ok: number;
  errors: number;
  fiveXX: number;
  statuses: Record<string, number>;
  p50: number;
  p95: number;
  p99: number;
  rssMiB: number[];
  rssStartMiB: number;
  rssEndMiB: number;
  /** RSS growth from the end of the first fifth (warm-up) to the end */
  rssGrowthMiB: number;
  achievedRate: number;
}

const rssMiB = (pid: number) => {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Math.round(kb / 102.4) / 10;
  } catch { return NaN; }
};

/**
 * Holds a fixed request rate against a running server for a while: a mix of what the web app
 * does (health, regions, grids in a bbox, sites, a tile, a grid's details, and one write in
 * twenty: renaming a site). Reports errors, latency percentiles and the server's RSS over time.
 */
export async function soak(o: SoakOptions): Promise<SoakReport> {
  const mix: Array<() => [string, RequestInit?]> = [
    () => ['/api/health/ready'],
    () => ['/api/regions?parent=990101000000&geometry=false'],
    () => [`/api/grids?bbox=${o.bbox}`],
    () => [`/api/sites?bbox=${o.bbox}`],
    () => [`/tiles/grids/${o.tile}.mvt`],
    () => [`/tiles/sites/${o.tile}.mvt`],
    () => ['/api/auth/me'],
    () => [`/api/sites/${o.siteId}`],
  ];
  let flip = 0;
  const write = (): [string, RequestInit] => [`/api/sites/${o.siteId}`, { method: 'PATCH', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: `压测点${flip++ % 2}` }) }];
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const rss: number[] = [];
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  const sampler = o.pid ? setInterval(() => rss.push(rssMiB(o.pid!)), 1000) : undefined;
  if (o.pid) rss.push(rssMiB(o.pid));
  while (Date.now() - started < o.durationMs) {
    const due = started + (sent * 1000) / o.rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const [path, init] = sent % 20 === 19 ? write() : mix[sent % mix.length]();
    sent++;
    const t0 = performance.now();
    const p = fetch(o.baseUrl + path, { ...init, headers: { ...(init?.headers as Record<string, string>), cookie: o.cookie } })
      .then(async (res) => {
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }, (error) => { statuses[`network:${error.cause?.code ?? error.message}`] = (statuses[`network:${error.cause?.code ?? error.message}`] ?? 0) + 1; })
      .finally(() => { latencies.push(performance.now() - t0); inFlight.delete(p); });
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  if (sampler) clearInterval(sampler);
  if (o.pid) rss.push(rssMiB(o.pid));
  latencies.sort((a, b) => a - b);
  const q = (f: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(f * latencies.length))] ?? 0);
  const okCount = Object.entries(statuses).filter(([s]) => /^[23]\d\d$/.test(s)).reduce((n, [, v]) => n + v, 0);
  const fiveXX = Object.entries(statuses).filter(([s]) => /^5\d\d$/.test(s)).reduce((n, [, v]) => n + v, 0);
  const warm = rss[Math.floor(rss.length / 5)] ?? rss[0];
  return {
    sent, ok: okCount, errors: sent - okCount, fiveXX, statuses, p50: q(0.5), p95: q(0.95), p99: q(0.99), rssMiB: rss,
    rssStartMiB: rss[0], rssEndMiB: rss[rss.length - 1], rssGrowthMiB: Math.round((rss[rss.length - 1] - warm) * 10) / 10,
    achievedRate: Math.round((sent / ((Date.now() - started) / 1000)) * 10) / 10,
  };
}

/** Figures a soak needs from the server: a site to rename, a bbox and a tile around it. */
export async function soakTargets(baseUrl: string, cookie: string) {
  const sites = await (await fetch(`${baseUrl}/api/sites?category=camera&limit=1`, { headers: { cookie } })).json() as any;
  const site = sites.features[0];
  const [lon, lat] = site.geometry.coordinates as [number, number];
  const z = 14, n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  const d = 0.01;
  return { siteId: Number(site.id), bbox: [lon - d, lat - d, lon + d, lat + d].map((v) => v.toFixed(5)).join(','), tile: `${z}/${x}/${y}` };
}
