/**
 * Grouping cells into contiguous regions on the cell adjacency graph (balanced region growing).
 */
import type { Rng } from './rng.ts';
import { type XY, dist } from './geo.ts';

export interface GrowOptions {
  cells: number[];
  neighbors: (c: number) => number[];
  pos: (c: number) => XY;
  seeds: number[];
  /** relative target sizes per region */
  targets: number[];
  /** per-cell multiplicative distance factor (irregular borders) */
  cost?: (c: number) => number;
}

/** Balanced, contiguous region growing. Returns region index per cell. */
export function growRegions(o: GrowOptions): Map<number, number> {
  const inSet = new Set(o.cells);
  const assign = new Map<number, number>();
  const k = o.seeds.length;
  const size = new Array<number>(k).fill(0);
  const frontier: Set<number>[] = Array.from({ length: k }, () => new Set<number>());
  const centre = o.seeds.map((s) => o.pos(s));
  const cost = o.cost ?? (() => 1);
  const take = (r: number, c: number) => {
    assign.set(c, r);
    size[r]++;
    frontier[r].delete(c);
    for (const n of o.neighbors(c)) if (inSet.has(n) && !assign.has(n)) frontier[r].add(n);
  };
  o.seeds.forEach((s, r) => {
    if (assign.has(s)) throw new Error('duplicate seed');
    take(r, s);
  });
  for (;;) {
    let best = -1;
    let bestScore = Infinity;
    for (let r = 0; r < k; r++) {
      for (const c of [...frontier[r]]) if (assign.has(c)) frontier[r].delete(c);
      if (frontier[r].size === 0) continue;
      const score = size[r] / o.targets[r];
      if (score < bestScore) {
        bestScore = score;
        best = r;
      }
    }
    if (best < 0) break;
    let pick = -1;
    let pickD = Infinity;
    for (const c of frontier[best]) {
      const d = dist(o.pos(c), centre[best]) * cost(c);
      if (d < pickD || (d === pickD && c < pick)) {
        pickD = d;
        pick = c;
      }
    }
    take(best, pick);
  }
  // cells not reachable from any seed: attach to the neighbouring region they touch most
  for (let guard = 0; guard < 1000; guard++) {
    const left = o.cells.filter((c) => !assign.has(c));
    if (left.length === 0) break;
    let progress = false;
    for (const c of left) {
      const votes = new Map<number, number>();
      for (const n of o.neighbors(c)) {
        const r = assign.get(n);
        if (r !== undefined && inSet.has(n)) votes.set(r, (votes.get(r) ?? 0) + 1);
      }
      if (votes.size === 0) continue;
      const r = [...votes.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
      assign.set(c, r);
      progress = true;
    }
    if (!progress) throw new Error('cells not connected to any region');
  }
  return assign;
}

/** Connected components (each sorted, components in order of their smallest cell). */
export function components(cells: number[], neighbors: (c: number) => number[]): number[][] {
  const inSet = new Set(cells);
  const seen = new Set<number>();
  const out: number[][] = [];
  for (const c of [...cells].sort((a, b) => a - b)) {
    if (seen.has(c)) continue;
    const comp: number[] = [];
    const stack = [c];
    seen.add(c);
    while (stack.length) {
      const x = stack.pop()!;
      comp.push(x);
      for (const n of neighbors(x))
        if (inSet.has(n) && !seen.has(n)) {
          seen.add(n);
          stack.push(n);
        }
    }
    out.push(comp.sort((a, b) => a - b));
  }
  return out;
}

/** k spread-out seed cells: farthest-point sampling starting from a random cell. */
export function spreadSeeds(rng: Rng, cells: number[], pos: (c: number) => XY, k: number): number[] {
  const sorted = [...cells].sort((a, b) => a - b);
  const seeds = [rng.pick(sorted)];
  const dmin = new Map<number, number>(sorted.map((c) => [c, dist(pos(c), pos(seeds[0]))]));
  while (seeds.length < k) {
    let best = -1;
    let bd = -1;
    for (const c of sorted) {
      const d = dmin.get(c)!;
      if (d > bd) {
        bd = d;
        best = c;
      }
    }
    seeds.push(best);
    for (const c of sorted) dmin.set(c, Math.min(dmin.get(c)!, dist(pos(c), pos(best))));
  }
  return seeds;
}

/**
 * Partition a connected set of cells into k compact contiguous regions: farthest-point seeds, then
 * a few rounds of growing and re-seeding at each region's centre (Lloyd-like).
 */
export function partition(
  rng: Rng,
  cells: number[],
  neighbors: (c: number) => number[],
  pos: (c: number) => XY,
  targets: number[],
  cost?: (c: number) => number,
  rounds = 3,
): number[][] {
  const k = targets.length;
  if (k === 1) return [[...cells].sort((a, b) => a - b)];
  let seeds = spreadSeeds(rng, cells, pos, k);
  let assign = growRegions({ cells, neighbors, pos, seeds, targets, cost });
  for (let r = 0; r < rounds; r++) {
    const groups = collect(assign, k);
    const next: number[] = [];
    const used = new Set<number>();
    for (const g of groups) {
      if (g.length === 0) continue;
      let cx = 0;
      let cy = 0;
      for (const c of g) {
        cx += pos(c)[0];
        cy += pos(c)[1];
      }
      const m: XY = [cx / g.length, cy / g.length];
      let best = g[0];
      let bd = Infinity;
      for (const c of g) {
        const d = dist(pos(c), m);
        if (d < bd && !used.has(c)) {
          bd = d;
          best = c;
        }
      }
      used.add(best);
      next.push(best);
    }
    if (next.length !== k) break;
    seeds = next;
    assign = growRegions({ cells, neighbors, pos, seeds, targets, cost });
  }
  return collect(assign, k).filter((g) => g.length > 0);
}

function collect(assign: Map<number, number>, k: number): number[][] {
  const groups: number[][] = Array.from({ length: k }, () => []);
  const keys = [...assign.keys()].sort((a, b) => a - b);
  for (const c of keys) groups[assign.get(c)!].push(c);
  return groups;
}
