/**
 * Soak: holds a fixed request rate against the real server for N minutes and reports errors,
 * latency percentiles and the server's memory (RSS) over time.
 *   npx tsx bench/soak.ts [minutes=10] [rate=20]
 * Starts the server itself on a copy of the test template (PGlite, or PostgreSQL with DATABASE_URL);
 * SOAK_URL=http://host:port soaks a running server instead (no RSS then unless SOAK_PID is given).
 */
import { soak, soakTargets } from '../test/support/soak.ts';
import { loginOver, startServerProcess } from '../test/support/server-process.ts';
import { ensurePgliteTemplate, ensurePostgresTemplate } from '../test/support/template.ts';

const minutes = Number(process.argv[2] ?? 10);
const rate = Number(process.argv[3] ?? 20);
let baseUrl = process.env.SOAK_URL;
let pid = process.env.SOAK_PID ? Number(process.env.SOAK_PID) : undefined;
let cleanup = async () => {};
if (!baseUrl) {
  const template = process.env.DATABASE_URL ? { postgres: await ensurePostgresTemplate(process.env.DATABASE_URL) } : { pglite: await ensurePgliteTemplate() };
  const server = await startServerProcess(template, { LOG_LEVEL: 'warn' });
  baseUrl = server.baseUrl;
  pid = server.child.pid;
  cleanup = server.cleanup;
}
try {
  const cookie = await loginOver(baseUrl, 'planner');
  const targets = await soakTargets(baseUrl, cookie);
  console.log(`soak: ${rate} req/s for ${minutes} min against ${baseUrl} (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`);
  const r = await soak({ baseUrl, rate, durationMs: minutes * 60_000, pid, cookie, ...targets });
  console.log(`  sent ${r.sent} (${r.achievedRate} req/s achieved), ok ${r.ok}, errors ${r.errors}, 5xx ${r.fiveXX}; statuses ${JSON.stringify(r.statuses)}`);
  console.log(`  latency p50 ${r.p50} ms, p95 ${r.p95} ms, p99 ${r.p99} ms`);
  if (r.rssMiB.length) {
    const every = Math.max(1, Math.floor(r.rssMiB.length / 10));
    console.log(`  server RSS (MiB): start ${r.rssStartMiB}, end ${r.rssEndMiB}, max ${Math.max(...r.rssMiB)}; growth after warm-up ${r.rssGrowthMiB} MiB`);
    console.log(`  RSS samples: ${r.rssMiB.filter((_, i) => i % every === 0).join(' ')}`);
  }
} finally {
  await cleanup();
}
