import { describe, expect, it } from 'vitest';
import { polygonAreaM2 } from '../../web/src/planning/area.ts';

describe('preview area of a drawn polygon', () => {
  const square = (x: number, y: number, d: number) => ({
    type: 'Polygon' as const,
    coordinates: [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]],
  });

  it('is close to the geodesic area (a 0.001° cell at 33.5° N is about 10,300 m²)', () => {
    // the API test's fixture cell measures 10,200–10,400 m² in PostGIS (geography)
    const a = polygonAreaM2(square(113.5, 33.5, 0.001));
    expect(a).toBeGreaterThan(10_200);
    expect(a).toBeLessThan(10_400);
  });

  it('does not depend on ring orientation, subtracts holes, and gives a bow-tie no area', () => {
    const cw = { type: 'Polygon' as const, coordinates: [[...square(113.5, 33.5, 0.001).coordinates[0]].reverse()] };
    expect(polygonAreaM2(cw)).toBeCloseTo(polygonAreaM2(square(113.5, 33.5, 0.001)), 6);
    const holed = { type: 'Polygon' as const, coordinates: [square(0, 0, 0.002).coordinates[0], square(0.0005, 0.0005, 0.001).coordinates[0]] };
    expect(polygonAreaM2(holed)).toBeCloseTo(polygonAreaM2(square(0, 0, 0.002)) * 0.75, 0);
    const bowtie = { type: 'Polygon' as const, coordinates: [[[0, 0], [0.001, 0.001], [0.001, 0], [0, 0.001], [0, 0]]] };
    expect(polygonAreaM2(bowtie)).toBeLessThan(1);
  });
});
