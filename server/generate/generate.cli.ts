import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { PREFECTURE_DEFAULTS, generateCounty, generatePrefecture, prefectureAccounts, tableCounts } from './prefecture.ts';

function integerOption(options: Record<string, string | undefined>, name: string): number | undefined {
  const text = options[name];
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new Error(`--${name} must be a non-negative integer`);
  return Number(text);
}

/** `generate --scale county|prefecture`: prints what was written, the totals and the time taken. */
export async function generateCommand(db: Kysely<Database>, options: Record<string, string | undefined>) {
  const scale = options.scale;
  const start = performance.now();
  if (scale === 'county') {
    const { loaded } = await generateCounty(db);
    console.log(loaded ? 'loaded the demo county 990101' : 'the demo county 990101 is already loaded; nothing to do');
  } else if (scale === 'prefecture') {
    await generateCounty(db);
    const counties = integerOption(options, 'counties') ?? PREFECTURE_DEFAULTS.counties;
    console.log(`generating ${counties} counties next to the demo county (about ${Math.round(counties * 0.3)} min on PostgreSQL)…`);
    const results = await generatePrefecture(db, {
      counties, extraSites: integerOption(options, 'sites'), extraIncidents: integerOption(options, 'incidents'), log: (line) => console.log(`  ${line}`),
    });
    const skipped = results.filter((r) => r.skipped).map((r) => r.code);
    if (skipped.length) console.log(`  already present, skipped: ${skipped.join(', ')}`);
    console.log(`prefecture-wide accounts (scope 9901, demo password): ${Object.entries(prefectureAccounts).map(([u, r]) => `${u} (${r})`).join(', ')}`);
  } else {
    throw new Error('usage: generate --scale county|prefecture [--counties 1…9] [--sites N] [--incidents N]');
  }
  const totals = await tableCounts(db);
  console.log(`database now holds: ${Object.entries(totals).map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(', ')}`);
  console.log(`done in ${((performance.now() - start) / 1000).toFixed(1)} s`);
}
