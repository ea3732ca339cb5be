/**
 * Household points: residential compounds in town, hamlet clusters in the villages. Each grid's
 * points sum exactly to the grid's households and population.
 */
import type { Rng } from './rng.ts';
import type { XY } from './geo.ts';
import type { CountyModel, GridRec } from './hierarchy.ts';
import type { Placer } from './placer.ts';

export interface HouseholdPoint {
  p: XY;
  grid: GridRec;
  households: number;
  population: number;
}

/** Split total into k positive integer parts with random weights. */
function split(rng: Rng, total: number, k: number): number[] {
  const w = Array.from({ length: k }, () => rng.float(0.5, 1.5));
  const sw = w.reduce((a, b) => a + b, 0);
  const parts = w.map((x) => Math.max(1, Math.floor((x / sw) * total)));
  let rest = total - parts.reduce((a, b) => a + b, 0);
  for (let i = 0; rest !== 0; i = (i + 1) % k) {
    if (rest > 0) {
      parts[i]++;
      rest--;
    } else if (parts[i] > 1) {
      parts[i]--;
      rest++;
    }
  }
  return parts;
}

/** Population proportional to households (largest remainder), at least one person per household. */
function proportional(households: number[], population: number): number[] {
  const total = households.reduce((a, b) => a + b, 0);
  const raw = households.map((h) => (h / total) * population);
  const out = raw.map((x, i) => Math.max(households[i], Math.floor(x)));
  let rest = population - out.reduce((a, b) => a + b, 0);
  const order = raw.map((x, i) => [x - Math.floor(x), i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let j = 0; rest > 0; j = (j + 1) % order.length) {
    out[order[j][1]]++;
    rest--;
  }
  for (let j = 0; rest < 0; j = (j + 1) % order.length) {
    const i = order[j][1];
    if (out[i] > households[i]) {
      out[i]--;
      rest++;
    }
  }
  return out;
}

export function buildHouseholds(rng: Rng, county: CountyModel, placer: Placer): HouseholdPoint[] {
  const out: HouseholdPoint[] = [];
  const strict = { edge: 5, water: 12, river: 15, campus: 10, block: 10, point: 12 };
  const relaxed = [strict, { ...strict, point: 4 }, { ...strict, point: 0, water: 5, river: 5 }, { edge: 3, water: 1, river: 1, campus: 1, block: 0, point: 0 }];
  for (const g of county.grids) {
    const urban = g.village.kind === 'community';
    const k = Math.max(1, Math.round(g.households / (urban ? rng.float(55, 110) : rng.float(10, 17))));
    const hh = split(rng, g.households, k);
    const pop = proportional(hh, g.population);
    const hamlets: XY[] = [];
    if (!urban) {
      const nh = rng.int(1, 3);
      for (let i = 0; i < nh; i++) {
        const c = placer.pointInGrid(rng, g, { edge: 40, water: 30, river: 30, campus: 30, block: 20 }, 100) ?? placer.pointInGrid(rng, g, { edge: 5 }, 400);
        if (c) hamlets.push(c);
      }
    }
    for (let i = 0; i < k; i++) {
      let p: XY | null = null;
      for (const opts of relaxed) {
        if (p) break;
        if (hamlets.length > 0) {
          const c = hamlets[i % hamlets.length];
          p = placer.pointNear(rng, c, rng.float(60, 160), opts, 60);
          if (p && placer.gridAt(p) !== g) p = null;
        }
        if (!p) p = placer.pointInGrid(rng, g, opts, 300);
      }
      if (!p) throw new Error('no room for households in grid ' + g.code);
      placer.addPoint(p);
      out.push({ p, grid: g, households: hh[i], population: pop[i] });
    }
  }
  return out;
}
