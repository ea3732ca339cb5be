import type { RegionLevel } from '../../../server/domain/enums';

/**
 * The 12-digit statistical division code of a scope (a 6-digit county code is padded), and its level:
 * county `CCCCCC000000`, township `CCCCCCTTT000`, village `CCCCCCTTTVVV`. A 4-digit prefecture
 * code stays as it is (a prefecture has no 12-digit code: its children are its counties).
 */
export function normaliseRegionCode(code: string): string {
  return /^\d{6}$/.test(code) ? `${code}000000` : /^\d{9}$/.test(code) ? `${code}000` : code;
}

export function levelOfCode(code: string): RegionLevel {
  if (/^\d{4}$/.test(code)) return 'prefecture';
  const c = normaliseRegionCode(code);
  if (c.endsWith('000000')) return 'county';
  if (c.endsWith('000')) return 'township';
  return 'village';
}

export const LEVEL_RANK: Record<RegionLevel, number> = { prefecture: -1, county: 0, township: 1, village: 2 };
