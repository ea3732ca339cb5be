/**
 * A year of incidents (矛盾纠纷, 问题隐患) with timelines that follow the workflow
 *   reported → accepted | rejected;  accepted → escalated → accepted (one level up);
 *   accepted → dispatched → in_progress → resolved → closed;  resolved → in_progress (reopen).
 */
import type { Rng } from './rng.ts';
import { type XY, toLonLat, distPointPoly } from './geo.ts';
import type { CountyModel, GridRec } from './hierarchy.ts';
import type { Placer } from './placer.ts';
import type { Staffing, Person } from './people.ts';
import type { School } from './schools.ts';
import type { Site } from './site.ts';
import { COMPOUND_WORDS, ROADS, cnNumber, surname } from './names.ts';
import { address } from './venues.ts';

export type State = 'reported' | 'accepted' | 'rejected' | 'escalated' | 'dispatched' | 'in_progress' | 'resolved' | 'closed';
export type Level = 'village' | 'township' | 'county';

export interface IncidentEvent {
  hoursAfterReport: number;
  action: 'report' | 'accept' | 'reject' | 'escalate' | 'dispatch' | 'start' | 'resolve' | 'close' | 'reopen';
  fromState: State | null;
  toState: State;
  actorRef: string;
  note: string;
}

export interface Incident {
  ref: string;
  category: string;
  title: string;
  description: string;
  lon: number;
  lat: number;
  state: State;
  level: Level;
  priority: 'low' | 'normal' | 'high' | 'urgent';
  reporterRef: string;
  unitCode: string | null;
  reportedHoursAgo: number;
  events: IncidentEvent[];
}

interface Cat {
  weight: number;
  /** where: urban / rural preference multiplier for community grids */
  urban: number;
  rural: number;
  units: string[];
  priority: [number, number, number, number];
  start: Level;
  /** [title, description] templates */
  items: [string, string][];
  done: string[];
}

const REASONS = ['宅前排水', '共用通道堆放杂物', '装修噪音', '楼上漏水', '树木遮挡采光', '宠物扰民', '院墙加高', '车辆停放'];

const CATS: Record<string, Cat> = {
  'dispute.family': {
    weight: 9, urban: 1, rural: 1.2, units: ['justice', 'civil_affairs'], priority: [1, 8, 1, 0], start: 'village',
    items: [
      ['{v}{s1}某夫妻矛盾纠纷', '{s1}某与配偶因家庭琐事多次争吵，近日矛盾激化，邻居担心发生过激行为，请求介入调解。'],
      ['{s1}某兄弟赡养老人纠纷', '{s1}某兄弟{n2}人因父母赡养费用分担产生分歧，老人生活无人照料，多次协调未果。'],
      ['{v}{s1}某反映子女不尽赡养义务', '{s1}某（{age}岁）反映子女长期不履行赡养义务，要求协助联系调解。'],
      ['{v}{s1}某婆媳矛盾', '{s1}某家婆媳因照看孩子问题长期不和，近期争吵频繁，家人请求调解。'],
      ['{s1}某家庭财产分割纠纷', '{s1}某兄妹因父母遗留房屋分割产生纠纷，双方互不相让。'],
    ],
    done: ['经调解双方达成和解', '已签订赡养协议', '双方达成书面调解协议'],
  },
  'dispute.neighbour': {
    weight: 13, urban: 1.1, rural: 1, units: ['justice'], priority: [2, 8, 0, 0], start: 'village',
    items: [
      ['{v}{s1}某与{s2}某邻里纠纷', '{s1}某与邻居{s2}某因{reason}发生争执，双方情绪激动，需及时调解。'],
      ['{compound}楼上漏水引发邻里矛盾', '{compound}{n1}号楼住户反映楼上卫生间漏水，多次协商未果，双方发生口角。'],
      ['{v}邻里排水纠纷', '{s1}某与{s2}某两家因宅前排水沟走向产生矛盾，雨天积水进院。'],
      ['{s1}某反映邻居噪音扰民', '{compound}居民{s1}某反映邻居夜间噪音扰民，影响休息，多次沟通无果。'],
      ['{v}{s1}某与{s2}某因{reason}产生矛盾', '网格员走访发现{s1}某与{s2}某两家因{reason}问题长期不和，已初步劝解。'],
    ],
    done: ['经调解双方握手言和', '已达成口头协议并回访', '问题已整改，双方无异议'],
  },
  'dispute.land': {
    weight: 8, urban: 0.1, rural: 2, units: ['natural_resources', 'justice'], priority: [1, 7, 2, 0], start: 'village',
    items: [
      ['{v}{s1}某与{s2}某宅基地边界纠纷', '{s1}某与{s2}某因宅基地边界（约{n3}平方米）存在争议，双方均称有历史凭证，多次发生口角。'],
      ['{v}承包地边界争议', '{s1}某反映其承包地被相邻户{s2}某耕种占用约{n2}分地，要求恢复原界。'],
      ['{v}土地流转租金纠纷', '{v}第{cn}村民小组部分村民对土地流转租金发放有异议，涉及{n2}户，要求公开账目。'],
      ['{v}林地权属争议', '{v}{s1}某与{s2}某对村东一片杨树林的权属存在争议，双方欲砍伐树木。'],
    ],
    done: ['经现场勘界达成一致', '已重新确认边界并签字', '租金已按协议发放'],
  },
  'dispute.labour': {
    weight: 5, urban: 1.3, rural: 0.8, units: ['justice', 'market'], priority: [0, 6, 3, 1], start: 'township',
    items: [
      ['{s1}某等{n2}人反映被拖欠工资', '{s1}某等{n2}名务工人员反映在{addr}附近某工地务工，被拖欠工资约{money}元，多次讨要未果。'],
      ['{addr}某工地农民工讨薪', '{addr}某在建工地{n2}名农民工聚集讨要工资，情绪激动。'],
      ['{s1}某劳动合同纠纷', '{s1}某反映所在企业未签劳动合同即辞退，要求经济补偿。'],
    ],
    done: ['欠薪已全额支付', '企业已与职工达成补偿协议', '已引导通过劳动仲裁解决'],
  },
  'dispute.property': {
    weight: 6, urban: 2.5, rural: 0, units: ['housing'], priority: [2, 7, 1, 0], start: 'village',
    items: [
      ['{compound}业主与物业服务纠纷', '{compound}多名业主反映物业服务不到位，拒交物业费，与物业公司发生争执。'],
      ['{compound}电梯故障长期未修', '{compound}{n1}号楼电梯停运{n2}天未修复，老人出行困难，业主情绪较大。'],
      ['{compound}停车位纠纷', '{compound}业主对地面停车位收费有异议，与物业发生争执。'],
    ],
    done: ['物业公司已整改到位', '电梯已修复并通过检验', '业委会与物业达成协议'],
  },
  'dispute.demolition': {
    weight: 2, urban: 1.5, rural: 0.6, units: ['housing', 'natural_resources', 'petition'], priority: [0, 5, 4, 1], start: 'township',
    items: [
      ['{v}征收补偿标准异议', '{v}{n2}户群众对房屋征收补偿标准有异议，拟集体上访，需提前化解。'],
      ['{v}{s1}某房屋征收补偿纠纷', '{s1}某对房屋评估结果不认可，拒绝签订补偿协议。'],
    ],
    done: ['已重新评估并签订协议', '经政策解释群众表示理解'],
  },
  'dispute.medical': {
    weight: 2, urban: 1.5, rural: 0.7, units: ['health'], priority: [0, 5, 4, 1], start: 'township',
    items: [
      ['{s1}某家属与医院医疗纠纷', '{s1}某家属认为治疗过程存在过错，在医院聚集要求赔偿。'],
      ['{s1}某反映诊疗费用争议', '{s1}某反映某诊所收费不透明，要求退还费用{money}元。'],
    ],
    done: ['经医调委调解达成协议', '已退还相关费用'],
  },
  'dispute.traffic': {
    weight: 5, urban: 1.3, rural: 0.9, units: ['police', 'transport'], priority: [1, 7, 2, 0], start: 'village',
    items: [
      ['{road}交通事故赔偿纠纷', '{road}发生一起轻微交通事故，双方对责任划分和赔偿金额存在分歧。'],
      ['{v}电动车与三轮车剐蹭纠纷', '{s1}某驾驶电动车与{s2}某三轮车发生剐蹭，双方对赔偿金额有争议。'],
    ],
    done: ['双方达成赔偿协议', '经交警认定后调解结案'],
  },
  'order.public': {
    weight: 9, urban: 1.5, rural: 0.7, units: ['police'], priority: [0, 6, 3, 1], start: 'village',
    items: [
      ['{addr}夜间聚众喧哗', '群众反映{addr}附近夜间有人员聚集喧哗，影响周边居民休息。'],
      ['{v}疑似聚众赌博', '网格员巡查发现{v}有人员疑似聚众赌博，已报告属地派出所。'],
      ['{road}占道经营引发冲突', '{road}两家摊贩因摊位位置发生推搡，围观群众较多。'],
      ['{addr}醉酒滋事', '{addr}一男子酒后滋事，与店主发生争执。'],
      ['{v}陌生人员可疑活动', '{v}连续{n1}天有陌生人员以推销为名挨户走访，群众担心上当受骗。'],
    ],
    done: ['民警到场处置，秩序恢复', '已依法查处', '经教育劝离，已无聚集'],
  },
  'safety.fire': {
    weight: 6, urban: 1.2, rural: 1, units: ['emergency', 'housing'], priority: [0, 3, 6, 1], start: 'village',
    items: [
      ['{compound}楼道电动车充电隐患', '{compound}{n1}号楼楼道内有居民飞线为电动车充电，存在火灾隐患。'],
      ['{v}秸秆焚烧火情隐患', '{v}田间有焚烧秸秆现象，烟雾较大，临近林地。'],
      ['{addr}门店消防通道堵塞', '{addr}门店消防通道被杂物堵塞，灭火器过期。'],
      ['{v}柴草堆放临近民房', '{v}{s1}某家柴草堆紧贴民房堆放，周边有电线经过。'],
    ],
    done: ['隐患已整改消除', '已清理通道并更换灭火器', '已劝导停止焚烧并清理现场'],
  },
  'safety.gas': {
    weight: 4, urban: 1.4, rural: 0.7, units: ['housing', 'emergency', 'market'], priority: [0, 2, 6, 2], start: 'village',
    items: [
      ['{addr}餐饮店液化气瓶违规存放', '{addr}一餐饮店后厨存放{n1}个液化气瓶，未安装报警装置。'],
      ['{compound}居民反映燃气异味', '{compound}居民反映楼道内有明显燃气异味，已提醒住户开窗通风。'],
      ['{v}瓶装液化气无证经营', '{v}有人无证销售瓶装液化气，气瓶露天堆放。'],
    ],
    done: ['气瓶已清理并加装报警器', '燃气公司已检修管道', '已依法取缔'],
  },
  'safety.drowning': {
    weight: 3, urban: 0.5, rural: 1.5, units: ['water', 'emergency', 'education'], priority: [0, 2, 6, 2], start: 'village',
    items: [
      ['{water}周边发现未成年人游泳', '网格员巡查发现{n1}名未成年人在{water}边戏水，已劝离并通知家长。'],
      ['{water}警示牌缺失', '{water}岸边警示牌缺失，救生设施不全，存在溺水隐患。'],
      ['{water}救生圈被损毁', '{water}岸边救生圈被人为损毁，救生绳缺失。'],
      ['{water}护栏破损', '{water}护栏有{n1}处破损，需尽快修复。'],
    ],
    done: ['已补设警示牌和救生圈', '护栏已修复', '已落实巡查看护责任人'],
  },
  'safety.building': {
    weight: 4, urban: 1, rural: 1.1, units: ['housing'], priority: [0, 4, 5, 1], start: 'village',
    items: [
      ['{v}{s1}某家危房安全隐患', '{v}{s1}某家房屋墙体开裂，雨季有倒塌风险，户内有老人居住。'],
      ['{compound}外墙瓷砖脱落', '{compound}{n1}号楼外墙瓷砖脱落，下方为人行通道。'],
      ['{addr}临街广告牌松动', '{addr}临街广告牌固定松动，大风天气存在坠落风险。'],
    ],
    done: ['已组织人员搬离并加固', '已拆除脱落部分并设置警戒', '广告牌已拆除'],
  },
  'campus.surroundings': {
    weight: 4, urban: 1, rural: 1, units: ['education', 'market', 'culture', 'police'], priority: [0, 5, 4, 1], start: 'village',
    items: [
      ['{school}周边流动摊贩聚集', '{school}放学时段校门口流动摊贩聚集，售卖“三无”食品。'],
      ['{school}门口上下学交通拥堵', '{school}上下学时段车辆乱停，学生穿行存在安全隐患。'],
      ['{school}周边网吧疑似接纳未成年人', '家长反映{school}附近网吧疑似接纳未成年人上网。'],
      ['{school}周边店铺向学生售烟', '家长反映{school}周边有店铺向未成年学生销售香烟。'],
    ],
    done: ['已联合执法清理摊点', '已责令整改并立案查处', '已设置护学岗疏导交通'],
  },
  'city.appearance': {
    weight: 12, urban: 3, rural: 0.3, units: ['urban_mgmt'], priority: [4, 6, 0, 0], start: 'village',
    items: [
      ['{road}占道经营', '{road}{n1}号附近商户占道经营，影响行人通行。'],
      ['{road}垃圾堆积未清运', '{road}路边垃圾堆积{n1}天未清运，异味较大。'],
      ['{compound}私搭乱建', '{compound}有住户在公共绿地私搭乱建。'],
      ['{road}井盖缺失', '{road}有井盖缺失，网格员已设置临时警示。'],
      ['{road}路灯不亮', '{road}约{n3}米路段路灯夜间不亮，行人反映出行不便。'],
      ['{road}违规张贴小广告', '{road}沿街墙面、电线杆被大量张贴小广告。'],
    ],
    done: ['已清理整改', '已补装井盖', '已修复路灯', '违建已拆除'],
  },
  emergency: {
    weight: 2, urban: 1, rural: 1, units: ['emergency'], priority: [0, 0, 3, 7], start: 'township',
    items: [
      ['{v}突发暴雨内涝', '{v}因强降雨出现积水，部分民房进水，需转移群众。'],
      ['{road}路面塌陷', '{road}路面出现塌陷，已设置警戒。'],
      ['{v}老人走失', '{v}一名{age}岁老人走失，家属请求协助寻找。'],
      ['{addr}突发火情', '{addr}一处民房突发火情，已拨打119并组织邻居疏散。'],
    ],
    done: ['险情已排除', '群众已安全转移', '人员已找到并送回家中'],
  },
};

const STATE_WEIGHTS: [State, number][] = [
  ['closed', 73],
  ['resolved', 7],
  ['in_progress', 7],
  ['dispatched', 4],
  ['accepted', 2.5],
  ['escalated', 2],
  ['reported', 1.5],
  ['rejected', 3],
];

const REJECT_NOTES = ['不属于受理范围，已告知通过司法途径解决', '重复上报，已合并处理', '经核实情况不属实', '已由当事人自行协商解决，不予受理'];

export interface IncidentContext {
  rng: Rng;
  county: CountyModel;
  placer: Placer;
  staffing: Staffing;
  schools: School[];
  waters: Site[];
  unitName: (code: string) => string;
}

export function buildIncidents(ctx: IncidentContext, count: number): Incident[] {
  const { rng, county, placer, staffing } = ctx;
  const catNames = Object.keys(CATS);
  const out: Incident[] = [];
  const gridMembers = (g: GridRec) => (staffing.byGrid.get(g.code) ?? []).filter((a) => a.duty === 'full_time' || a.duty === 'part_time' || a.duty === 'leader');
  const waterPolys = ctx.waters;
  for (let i = 0; i < count; i++) {
    const category = rng.weighted(catNames, catNames.map((c) => CATS[c].weight));
    const cat = CATS[category];
    // ---- where
    let p: XY | null = null;
    let slots: Record<string, string> = {};
    if (category === 'campus.surroundings') {
      for (let k = 0; k < 50 && !p; k++) {
        const s = rng.pick(ctx.schools);
        const q = placer.pointNear(rng, s.gates[0], 150, { campus: 15, water: 5, river: 5 }, 10);
        if (q && distPointPoly(q, [s.ring]) > 15) {
          p = q;
          slots.school = s.site.name;
        }
      }
    } else if (category === 'safety.drowning') {
      for (let k = 0; k < 50 && !p; k++) {
        const w = rng.pick(waterPolys);
        const anchor = w.geom.type === 'LineString' ? rng.pick(w.geom.line) : w.geom.type === 'Polygon' ? rng.pick(w.geom.ring) : null;
        if (!anchor) continue;
        const q = placer.pointNear(rng, anchor, 40, { water: 3, river: 3, campus: 5 }, 20);
        if (q) {
          p = q;
          slots.water = w.name.replace(/（.*）$/, '');
        }
      }
    }
    if (!p) {
      for (let k = 0; k < 100 && !p; k++) {
        const g = rng.weighted(county.grids, county.grids.map((x) => x.population * (x.village.kind === 'community' ? cat.urban * 1.6 : cat.rural)));
        p = placer.pointInGrid(rng, g, { edge: 2, water: 3, river: 3, campus: 3, block: 0 }, 30);
      }
    }
    if (!p) throw new Error('could not place incident');
    const grid = placer.gridAt(p)!;
    const v = grid.village;
    const members = gridMembers(grid);
    if (members.length === 0) throw new Error('grid without members: ' + grid.code);
    const reporter = (members.find((a) => a.duty === 'full_time') && rng.chance(0.7) ? members.find((a) => a.duty === 'full_time')! : rng.pick(members)).personRef;
    const s1 = surname(rng);
    let s2 = surname(rng);
    while (s2 === s1) s2 = surname(rng);
    slots = {
      v: v.name,
      s1,
      s2,
      n1: String(rng.int(1, 12)),
      n2: String(rng.int(2, 9)),
      n3: String(rng.int(5, 80)),
      cn: cnNumber(rng.int(1, Math.max(1, v.grids.length))),
      money: String(rng.int(8, 260) * 100),
      age: String(rng.int(68, 89)),
      reason: rng.pick(REASONS),
      road: v.township.kind === 'street' ? rng.pick(ROADS) : `${v.township.name.slice(0, -1)}${rng.pick(['大街', '东街', '西街', '南街', '北街'])}`,
      addr: address(rng, grid),
      compound: v.kind === 'community' ? rng.pick(COMPOUND_WORDS) : `${v.name}安置小区`,
      school: slots.school ?? `${v.name}附近学校`,
      water: slots.water ?? `${v.name}坑塘`,
      ...slots,
    };
    const fill = (t: string) => t.replace(/\{(\w+)\}/g, (_, k: string) => slots[k] ?? '');
    const [tt, dd] = rng.pick(cat.items);
    const title = fill(tt);
    const description = fill(dd);
    const priority = rng.weighted(['low', 'normal', 'high', 'urgent'] as const, cat.priority);

    // ---- when and how far it got
    const target = rng.weighted(STATE_WEIGHTS.map((s) => s[0]), STATE_WEIGHTS.map((s) => s[1]));
    const age = ((): number => {
      switch (target) {
        case 'reported':
          return rng.float(1, 30);
        case 'accepted':
          return rng.float(3, 120);
        case 'escalated':
          return rng.float(8, 300);
        case 'dispatched':
          return rng.float(6, 400);
        case 'in_progress':
          return rng.chance(0.2) ? rng.float(700, 4000) : rng.float(24, 700);
        case 'resolved':
          return rng.float(48, 500);
        case 'rejected':
          return rng.float(2, 8760);
        default:
          return rng.float(48, 8760);
      }
    })();
    const inc = timeline(ctx, rng, { target, age, category, cat, grid, reporter });
    const [lon, lat] = toLonLat(p);
    out.push({
      ref: 'I' + String(i + 1).padStart(6, '0'),
      category,
      title,
      description,
      lon,
      lat,
      state: inc.state,
      level: inc.level,
      priority,
      reporterRef: reporter,
      unitCode: inc.unitCode,
      reportedHoursAgo: Math.round(age * 10) / 10,
      events: inc.events,
    });
  }
  return out;
}

function timeline(
  ctx: IncidentContext,
  rng: Rng,
  o: { target: State; age: number; category: string; cat: Cat; grid: GridRec; reporter: string },
): { state: State; level: Level; unitCode: string | null; events: IncidentEvent[] } {
  const { staffing } = ctx;
  const t = o.grid.village.township;
  const townshipUnit = staffing.townshipUnit(t);
  const townshipStaff = staffing.unitStaff.get(townshipUnit)!;
  const centre = staffing.centre;
  const dispatcher = centre.find((p) => p.account === 'dispatcher')!;
  const inspector = centre.find((p) => p.account === 'inspector')!;
  const leaders = (staffing.byGrid.get(o.grid.code) ?? []).filter((a) => a.duty === 'leader').map((a) => a.personRef);
  const gridPolice = (staffing.byGrid.get(o.grid.code) ?? []).filter((a) => a.duty === 'police').map((a) => a.personRef);
  let level: Level = o.cat.start;
  const levelUp = (l: Level): Level => (l === 'village' ? 'township' : 'county');
  const desk = (l: Level): Person => (l === 'county' ? (rng.chance(0.5) ? dispatcher : rng.pick(centre.slice(4))) : rng.pick(townshipStaff));
  const steps: { action: IncidentEvent['action']; to: State; actor: string; note: string; dh: number }[] = [];
  const push = (action: IncidentEvent['action'], to: State, actor: string, note: string, dh: number) => steps.push({ action, to, actor, note, dh });
  push('report', 'reported', o.reporter, rng.pick(['网格员巡查发现', '群众反映，网格员核实后上报', '网格员走访发现', '群众来电反映，网格员现场核实']), 0);
  let unitCode: string | null = null;
  const order: State[] = ['reported', 'accepted', 'escalated', 'dispatched', 'in_progress', 'resolved', 'closed'];
  const reach = (s: State) => order.indexOf(o.target) >= order.indexOf(s);
  if (o.target === 'rejected') {
    push('reject', 'rejected', desk(level).ref, rng.pick(REJECT_NOTES), rng.float(0.5, 24));
  } else if (o.target !== 'reported') {
    push('accept', 'accepted', desk(level).ref, '已受理', rng.float(0.3, 12));
    // escalation: always for the 'escalated' target, sometimes on the way for the others
    const escalations = o.target === 'escalated' ? 1 : level !== 'county' && rng.chance(0.1) ? (level === 'village' && rng.chance(0.3) ? 2 : 1) : 0;
    for (let e = 0; e < escalations && level !== 'county'; e++) {
      const actor = level === 'village' ? (leaders.length ? rng.pick(leaders) : rng.pick(townshipStaff).ref) : rng.pick(townshipStaff).ref;
      const note = level === 'village' ? rng.pick(['村（社区）级调解未果，提请乡镇（街道）处置', '涉及面广，提请乡镇（街道）协调']) : rng.pick(['涉及多个部门，提请县级协调', '乡镇（街道）层面难以化解，提请县综治中心督办']);
      level = levelUp(level);
      push('escalate', 'escalated', actor, note, rng.float(2, 72));
      if (o.target === 'escalated') break;
      push('accept', 'accepted', desk(level).ref, '上级已受理', rng.float(0.5, 24));
    }
    if (o.target !== 'accepted' && o.target !== 'escalated' && reach('dispatched')) {
      const dept = rng.pick(o.cat.units);
      unitCode = level === 'village' ? townshipUnit : level === 'township' ? (rng.chance(0.5) ? townshipUnit : dept) : dept;
      push('dispatch', 'dispatched', desk(level).ref, `派发至${ctx.unitName(unitCode)}处置`, rng.float(0.5, 24));
      const worker = (): string => {
        if (unitCode === 'police' && gridPolice.length && rng.chance(0.7)) return rng.pick(gridPolice);
        const staff = staffing.unitStaff.get(unitCode!)!;
        return rng.pick(staff).ref;
      };
      if (reach('in_progress')) {
        push('start', 'in_progress', worker(), rng.pick(['已接单，安排人员现场处置', '已到达现场核实情况', '已接单，联系当事人了解情况']), rng.float(0.5, 48));
        if (reach('resolved')) {
          push('resolve', 'resolved', worker(), rng.pick(o.cat.done), rng.float(4, 240));
          if (rng.chance(0.05)) {
            push('reopen', 'in_progress', rng.chance(0.5) ? inspector.ref : desk(level).ref, rng.pick(['回访群众不满意，重新处置', '复查发现问题反弹，退回重办']), rng.float(12, 96));
            push('resolve', 'resolved', worker(), rng.pick(o.cat.done), rng.float(12, 240));
          }
          if (reach('closed')) push('close', 'closed', desk(level).ref, rng.pick(['回访满意，办结', '经核查已化解，销号', '群众满意，结案']), rng.float(12, 120));
        }
      }
    }
  }
  // fit the timeline inside the incident's age (nothing happens in the future)
  const total = steps.reduce((s, x) => s + x.dh, 0);
  const room = Math.max(0.1 * steps.length, o.age - 0.5);
  const scale = total > room ? room / total : 1;
  let h = 0;
  let from: State | null = null;
  const events: IncidentEvent[] = [];
  for (const s of steps) {
    h += s.dh * scale;
    const hh = Math.max(events.length ? events[events.length - 1].hoursAfterReport + 0.1 : 0, Math.round(h * 10) / 10);
    events.push({ hoursAfterReport: Math.round(hh * 10) / 10, action: s.action, fromState: from, toState: s.to, actorRef: s.actor, note: s.note });
    from = s.to;
  }
  const ageRounded = Math.round(o.age * 10) / 10;
  if (events[events.length - 1].hoursAfterReport > ageRounded) throw new Error('timeline longer than age');
  return { state: from!, level, unitCode, events };
}
