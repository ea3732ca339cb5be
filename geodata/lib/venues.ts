/** Names, addresses and attributes of businesses and facilities. */
import type { Rng } from './rng.ts';
import type { GridRec } from './hierarchy.ts';
import type { Category } from './site.ts';
import { ROADS, brand, surname, personName } from './names.ts';

/** Street name and house number appropriate to where the grid is. */
export function address(rng: Rng, g: GridRec): string {
  const v = g.village;
  const t = v.township;
  if (t.kind === 'street') return `${rng.pick(ROADS)}${rng.int(1, 260)}号`;
  const town = t.name.slice(0, -1);
  if (v.kind === 'community') return `${town}${rng.pick(['大街', '东街', '西街', '南街', '北街', '中心街', '新街'])}${rng.int(1, 120)}号`;
  return `${t.name}${v.name}${rng.int(1, 9)}组`;
}

function shortPlace(g: GridRec): string {
  const v = g.village;
  const t = v.township;
  if (t.kind === 'street') return t.name.slice(0, 2);
  if (v.kind === 'community') return t.name.slice(0, -1);
  return v.name.slice(0, -1);
}

export class VenueNamer {
  private used = new Set<string>();
  constructor(private rng: Rng) {}

  private unique(gen: () => string): string {
    for (let i = 0; i < 200; i++) {
      const n = gen();
      if (!this.used.has(n)) {
        this.used.add(n);
        return n;
      }
    }
    throw new Error('venue names exhausted');
  }

  /** name + attrs for a venue-like point site */
  venue(category: Category, g: GridRec, kind?: string): { name: string; attrs: Record<string, unknown> } {
    const rng = this.rng;
    const addr = address(rng, g);
    const branch = () => (g.village.township.kind === 'street' ? `（${addr.replace(/\d+号$/, '')}店）` : `（${shortPlace(g)}店）`);
    switch (category) {
      case 'internet_cafe':
        return {
          name: this.unique(() => brand(rng) + rng.pick(['网咖', '网吧', '电竞馆', '网络会所']) + (rng.chance(0.5) ? branch() : '')),
          attrs: { address: addr, seats: rng.int(40, 220), licenseNo: `网文${rng.int(2018, 2025)}${String(rng.int(1, 999)).padStart(3, '0')}号` },
        };
      case 'entertainment': {
        const k = kind ?? (rng.chance(0.72) ? 'ktv' : 'dance_hall');
        const suffix = k === 'ktv' ? rng.pick(['KTV', '量贩式KTV', '音乐KTV', '歌城']) : rng.pick(['歌舞厅', '舞厅', '交谊舞厅']);
        return { name: this.unique(() => brand(rng) + suffix + (rng.chance(0.3) ? branch() : '')), attrs: { kind: k, address: addr, rooms: k === 'ktv' ? rng.int(8, 45) : rng.int(1, 3), openUntil: rng.pick(['01:00', '02:00', '02:00', '03:00']) } };
      }
      case 'game_hall':
        return { name: this.unique(() => brand(rng) + rng.pick(['电玩城', '游艺厅', '动漫城', '游戏厅'])), attrs: { address: addr, machines: rng.int(30, 180) } };
      case 'bar':
        return { name: this.unique(() => brand(rng) + rng.pick(['酒吧', '清吧', '音乐酒馆', 'Live酒吧'])), attrs: { address: addr, seats: rng.int(30, 160) } };
      case 'tobacco':
        return {
          name: this.unique(() =>
            g.village.kind === 'village'
              ? `${g.village.name.slice(0, -1)}${rng.pick(['便民超市', '小卖部', '商店', '烟酒店'])}${rng.chance(0.5) ? '' : `（${surname(rng)}记）`}`
              : `${rng.pick([surname(rng) + '记', brand(rng), brand(rng) + '名烟名酒', surname(rng) + '氏'])}${rng.pick(['烟酒店', '便利店', '超市', '烟酒商行'])}${rng.chance(0.4) ? branch() : ''}`,
          ),
          attrs: { address: addr, licenseNo: `99010${rng.int(1000000, 1999999)}`, minorSignPosted: rng.chance(0.85) },
        };
      case 'lottery': {
        const welfare = rng.chance(0.55);
        return {
          name: this.unique(() => (welfare ? `中国福利彩票第${rng.int(9901001, 9901999)}号投注站` : `中国体育彩票${rng.int(99010001, 99019999)}号网点`)),
          attrs: { kind: welfare ? 'welfare' : 'sports', address: addr },
        };
      }
      case 'hotel':
        return {
          name: this.unique(() => brand(rng) + rng.pick(['宾馆', '大酒店', '快捷酒店', '商务酒店', '旅社']) + (rng.chance(0.3) ? branch() : '')),
          attrs: { address: addr, rooms: rng.int(12, 160), stars: rng.weighted([0, 2, 3, 4], [6, 2, 2, 1]) },
        };
      default:
        throw new Error('not a venue category: ' + category);
    }
  }

  rental(g: GridRec, landlordPhone: string): { name: string; attrs: Record<string, unknown> } {
    const rng = this.rng;
    const urban = g.village.kind === 'community';
    let landlord = '';
    let addr = '';
    const name = this.unique(() => {
      landlord = personName(rng, rng.chance(0.6) ? 'M' : 'F');
      addr = address(rng, g);
      return urban ? `${g.village.name}${addr.replace(/^.*?(镇|乡)/, '')}出租房` : `${g.village.name}${landlord}家出租房`;
    });
    const units = urban ? rng.int(2, 24) : rng.int(1, 8);
    const tenants = Math.max(0, Math.round(units * rng.float(0.5, 2.4)));
    return { name, attrs: { address: addr, units, tenants, landlord, landlordPhone, registered: rng.chance(0.88) } };
  }
}
