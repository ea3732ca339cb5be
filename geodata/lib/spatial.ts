/** A uniform bucket index over metric bounding boxes. */
import { type XY, type Poly, pointInPoly } from './geo.ts';

export class BucketIndex<T> {
  private buckets = new Map<number, T[]>();
  constructor(private size: number) {}

  private key(i: number, j: number): number {
    return (i + 100000) * 200003 + (j + 100000);
  }

  insert(item: T, box: [number, number, number, number]): void {
    const s = this.size;
    for (let i = Math.floor(box[0] / s); i <= Math.floor(box[2] / s); i++)
      for (let j = Math.floor(box[1] / s); j <= Math.floor(box[3] / s); j++) {
        const k = this.key(i, j);
        let l = this.buckets.get(k);
        if (!l) this.buckets.set(k, (l = []));
        l.push(item);
      }
  }

  /** Items whose bucket range overlaps the box (may contain duplicates removed here). */
  query(box: [number, number, number, number]): T[] {
    const s = this.size;
    const out = new Set<T>();
    for (let i = Math.floor(box[0] / s); i <= Math.floor(box[2] / s); i++)
      for (let j = Math.floor(box[1] / s); j <= Math.floor(box[3] / s); j++) {
        const l = this.buckets.get(this.key(i, j));
        if (l) for (const x of l) out.add(x);
      }
    return [...out];
  }

  near(p: XY, r: number): T[] {
    return this.query([p[0] - r, p[1] - r, p[0] + r, p[1] + r]);
  }
}

/** Index of polygons for point location. */
export class PolyIndex<T extends { poly: Poly }> {
  private idx = new BucketIndex<T>(500);
  add(item: T): void {
    let w = Infinity;
    let s = Infinity;
    let e = -Infinity;
    let n = -Infinity;
    for (const [x, y] of item.poly[0]) {
      w = Math.min(w, x);
      s = Math.min(s, y);
      e = Math.max(e, x);
      n = Math.max(n, y);
    }
    this.idx.insert(item, [w, s, e, n]);
  }
  locate(p: XY): T | undefined {
    for (const it of this.idx.near(p, 0)) if (pointInPoly(p, it.poly)) return it;
    return undefined;
  }
}
