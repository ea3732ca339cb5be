import type { MessageKey } from '../i18n/zh';

/** How the layer panel groups site categories. Categories in no group fall into "other". */
export const SITE_GROUPS: Array<{ key: string; label: MessageKey; categories: string[] }> = [
  { key: 'campus', label: 'group.campus', categories: ['school', 'kindergarten'] },
  { key: 'water', label: 'group.water', categories: ['water'] },
  {
    key: 'venues',
    label: 'group.venues',
    categories: ['internet_cafe', 'entertainment', 'game_hall', 'bar', 'tobacco', 'lottery', 'hotel', 'rental_housing'],
  },
  { key: 'medical', label: 'group.medical', categories: ['hospital'] },
  { key: 'security', label: 'group.security', categories: ['camera', 'police_room', 'patrol_point'] },
];

export const OTHER_GROUP = { key: 'other', label: 'group.other' as MessageKey };

export function groupOf(category: string): string {
  return SITE_GROUPS.find((g) => g.categories.includes(category))?.key ?? OTHER_GROUP.key;
}
