/**
 * Chinese names for the fictional county: places, people, businesses. All combinations are made up;
 * any resemblance to a real place or person is a coincidence of common words and surnames.
 */
import type { Rng } from './rng.ts';

export const COUNTY_NAME = '平安示范县';
export const COUNTY_NAME_EN = "Ping'an Demo County";

// common surnames with rough frequency weights (Henan flavour)
const SURNAME_TABLE =
  '王71 李70 张67 刘54 陈45 杨31 赵23 黄22 吴20 周19 徐16 孙15 马15 朱13 胡13 郭12 何12 高11 林11 罗9 郑9 梁9 ' +
  '谢8 宋8 唐8 许7 韩7 冯7 邓7 曹6 彭6 曾6 肖6 田6 董5 袁5 潘5 于5 蒋5 蔡5 余5 杜5 叶4 程4 苏4 魏4 吕4 丁4 ' +
  '任4 沈4 姚4 卢4 姜3 崔3 钟3 谭3 陆3 汪3 范3 金3 石3 廖3 贾3 夏3 付2 方2 白2 邹2 孟2 熊2 秦2 邱2 江2 尹2 ' +
  '薛2 闫2 段2 雷2 侯2 龙2 史2 陶2 贺2 顾2 毛2 郝2 龚2 邵2 万2 钱2 武2 乔2 牛2 常2 申1 靳1 耿1 岳1 樊1 苗1 ' +
  '葛1 翟1 屈1 聂1 祝1 陶1 鲁1 时1 司1 全1 楚1 师1';
export const SURNAMES: string[] = [];
export const SURNAME_WEIGHTS: number[] = [];
for (const tok of SURNAME_TABLE.split(/\s+/)) {
  const m = /^(\D+)(\d+)$/.exec(tok);
  if (!m || SURNAMES.includes(m[1])) continue;
  SURNAMES.push(m[1]);
  SURNAME_WEIGHTS.push(Number(m[2]));
}

const MALE_CHARS = '伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋阳建国志新海峰亮东文永成兵春庆晨博昊子豪振家睿泽轩一鸿彬坤德福贵金山立松力铭锋晓毅云';
const FEMALE_CHARS = '芳娜敏静丽艳娟霞秀英玲桂兰萍燕红梅琳雪婷倩洁颖慧莉晶瑶怡欣雅佳月丹蕾璐悦晓春凤玉珍宁琪媛思雨梦诗涵巧素翠荣菊淑秋彩爱';

export function surname(rng: Rng): string {
  return rng.weighted(SURNAMES, SURNAME_WEIGHTS);
}

export function personName(rng: Rng, gender: 'M' | 'F'): string {
  const chars = gender === 'M' ? MALE_CHARS : FEMALE_CHARS;
  const s = surname(rng);
  const c1 = chars[rng.int(0, chars.length - 1)];
  if (rng.chance(0.33)) return s + c1;
  let c2 = chars[rng.int(0, chars.length - 1)];
  if (c2 === c1 && rng.chance(0.7)) c2 = chars[rng.int(0, chars.length - 1)];
  return s + c1 + c2;
}

const CN_DIGITS = '零一二三四五六七八九';
/** 1..99 as Chinese numerals (一, 十二, 二十三). */
export function cnNumber(n: number): string {
  if (n < 10) return CN_DIGITS[n];
  const t = Math.floor(n / 10);
  const u = n % 10;
  return (t === 1 ? '' : CN_DIGITS[t]) + '十' + (u === 0 ? '' : CN_DIGITS[u]);
}

/** Produces names that are unique across the county. */
export class UniqueNames {
  private used = new Set<string>();
  reserve(name: string): void {
    this.used.add(name);
  }
  has(name: string): boolean {
    return this.used.has(name);
  }
  make(rng: Rng, gen: (rng: Rng) => string): string {
    for (let i = 0; i < 500; i++) {
      const n = gen(rng);
      if (!this.used.has(n)) {
        this.used.add(n);
        return n;
      }
    }
    throw new Error('name space exhausted');
  }
}

const TOWN_FIRST = '石柳黄白马高杨双龙凤桃杏青金安古宋丁彭岳孟谢潘韩柏槐枣鹤雁仙官秦程苗翟葛';
const TOWN_SECOND = '桥店集庄营寨湖岗楼庙河坡园屯口台堂铺湾陵泉';

export function townBase(rng: Rng): string {
  return TOWN_FIRST[rng.int(0, TOWN_FIRST.length - 1)] + TOWN_SECOND[rng.int(0, TOWN_SECOND.length - 1)];
}

const V_PREFIX = ['', '', '', '', '', '前', '后', '东', '西', '南', '北', '大', '小', '上', '下', '新'];
const V_SUFFIX = '庄庄庄庄营营营寨寨楼楼岗岗湾屯店桥庙集坡洼园口台堂坊沟寺河';
const V_NUM = ['三里', '五里', '七里', '八里', '十里', '二十里'];
const V_NUM_SUFFIX = '店桥堡屯铺河岗';
const V_TREE = '石柳杏桃枣槐杨榆桑竹梨柏芦苇荆棠梧';
const V_TREE_SUFFIX = '园林湾庄沟坡河桥岗营元';
const V_ANIMAL = ['龙王庙', '马鞍山', '卧牛岗', '凤凰台', '白鹤湾', '黄龙泉', '青龙沟', '金牛坡', '双龙岗', '雁鸣湖', '鹿角湾', '虎头岭'];

/** A village name without the 村 suffix. */
export function villageBase(rng: Rng): string {
  const u = rng.next();
  if (u < 0.55) {
    return rng.pick(V_PREFIX) + surname(rng) + V_SUFFIX[rng.int(0, V_SUFFIX.length - 1)];
  }
  if (u < 0.67) return surname(rng) + '家' + '庄湾营寨沟楼'[rng.int(0, 5)];
  if (u < 0.75) return rng.pick(V_NUM) + V_NUM_SUFFIX[rng.int(0, V_NUM_SUFFIX.length - 1)];
  if (u < 0.97) {
    return ['', '大', '小', '前', '后', '东', '西', '南', '北'][rng.int(0, 8)] + V_TREE[rng.int(0, V_TREE.length - 1)] + V_TREE_SUFFIX[rng.int(0, V_TREE_SUFFIX.length - 1)];
  }
  return rng.pick(V_ANIMAL);
}

export const COMMUNITY_WORDS = (
  '幸福 和平 建设 人民 文化 解放 光明 新华 朝阳 胜利 团结 友谊 书院 府前 学苑 滨河 花园 育才 民主 红旗 东关 西关 南关 北关 ' +
  '体育 健康 阳光 锦绣 紫荆 丹桂 桂园 翠竹 金桥 铁路 工业 商城 站前 园林 龙泉 凤鸣 清河 东风 向阳 和谐 康宁 永安 长青 ' +
  '丰泽 瑞丰 兴隆 富民 振兴 安居 宜居 惠民 春晖 秀水 碧波 映山 云台 文昌 文峰 鼓楼 钟楼 城隍 太平 迎宾 世纪 龙湖 ' +
  '凤台 仁和 德馨 怡和 荷花 梧桐 石榴 银杏 玉兰 海棠 杏坛 广场 华庭 丽景 新村 五一 七一 青年 振华 安澜 嘉禾'
).split(' ');

export const ROADS = (
  '人民路 解放路 建设路 文化路 新华路 中心街 东大街 西大街 南大街 北大街 迎宾大道 滨河路 育才路 健康路 工业路 商贸路 ' +
  '府前街 书院街 幸福路 和平路 光明路 朝阳路 青年路 团结路 兴业大道 安澜大道 振兴路 未来路 民主路 七一路 红旗路 五一路 ' +
  '车站路 花园路 长青路 园林路 学府路 龙湖路 文昌路 鼓楼街'
).split(' ');

const BRAND = (
  '星空 极速 蓝海 零度 云顶 风暴 天际 飞翔 聚星 疾风 竞界 畅游 光速 晨曦 远航 金色 银河 浩瀚 炫彩 梦幻 ' +
  '时代 欢乐 传奇 王朝 皇冠 名门 金鼎 红运 鸿福 好运 东方 盛世 凯旋 金海岸 月光 夜色 乐享 麦田 老地方 ' +
  '印象 魅力 九号 壹号 青春 悦动 潮流 缤纷 花样 如意 吉祥 锦江 天悦 华庭 恒泰 瑞景 嘉年华 丰收 向日葵'
).split(' ');

export function brand(rng: Rng): string {
  return rng.pick(BRAND);
}

export const COMPOUND_WORDS = (
  '锦绣家园 阳光花园 滨河小区 幸福里 和园 书香苑 金色港湾 翠湖湾 东方名城 新城花苑 华府名居 盛世名门 ' +
  '凯旋城 康居小区 安居苑 学府名邸 龙湖雅苑 丽景花园 颐和苑 紫荆城 梧桐苑 文昌苑 清华园 桂花园 怡景苑'
).split(' ');
