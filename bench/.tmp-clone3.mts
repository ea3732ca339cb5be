import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
const file = 'node_modules/.cache/pingan/template-80832039f3898fe8.tar';
const cpu = (c0: NodeJS.CpuUsage) => { const c = process.cpuUsage(c0); return ((c.user + c.system) / 1e6).toFixed(1); };
const blob = new Blob([readFileSync(file)]);
let c0 = process.cpuUsage();
const b = await PGlite.create({ loadDataDir: blob, extensions: { postgis } });
const create = cpu(c0);
c0 = process.cpuUsage();
// a typical spatial workload: intersections over the grids
for (let i = 0; i < 3; i++) await b.query(`select count(*) from grids a join grids b on a.geom && b.geom and ST_Intersects(a.geom, b.geom) where a.layer_id = 1 and b.layer_id = 1 and a.id % 10 = ${i}`);
console.log(`${process.execArgv.join(' ')}: create ${create} s, workload ${cpu(c0)} s`);
await b.close();
