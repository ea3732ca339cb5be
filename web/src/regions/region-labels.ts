import type { MessageKey } from '../i18n/zh';
import type { RegionLevel } from '../../../server/domain/enums';

/** 乡镇 or 街道, 村 or 社区: the name of a region's level, urban or rural. */
export function levelLabel(level: RegionLevel, urban: boolean): MessageKey {
  if (level === 'township') return urban ? 'level.street' : 'level.township';
  if (level === 'village') return urban ? 'level.community' : 'level.village';
  if (level === 'prefecture') return 'prefecture.level';
  return 'level.county';
}
