import { type Kysely, sql } from 'kysely';

/**
 * Reference data every deployment starts with: the two grid layers, the key-site categories with
 * their attribute schemas (forms are generated from them), the incident taxonomy with deadlines, and
 * the spatial rules. All of it is data that administrators may change later; none of it is code.
 */

// Attribute schemas are JSON Schema; `titleEn` (an extra keyword) gives the English label, and
// enumerated codes are `oneOf` options titled "中文 English". Forms and detail panels read them.
type Field = Record<string, unknown>;
const str = (zh: string, en: string, extra: Field = {}): Field => ({ type: 'string', title: zh, titleEn: en, ...extra });
const int = (zh: string, en: string, extra: Field = {}): Field => ({ type: 'integer', minimum: 0, title: zh, titleEn: en, ...extra });
const num = (zh: string, en: string, extra: Field = {}): Field => ({ type: 'number', minimum: 0, title: zh, titleEn: en, ...extra });
const bool = (zh: string, en: string): Field => ({ type: 'boolean', title: zh, titleEn: en });
const choice = (zh: string, en: string, options: Array<[string, string, string]>): Field =>
  ({ type: 'string', title: zh, titleEn: en, oneOf: options.map(([value, z, e]) => ({ const: value, title: `${z} ${e}` })) });
const contact = (zh: string, en: string): Field =>
  ({ type: 'object', title: zh, titleEn: en, properties: { name: str('姓名', 'Name'), phone: str('电话', 'Phone') } });
const object = (properties: Record<string, Field>, required: string[] = []) =>
  ({ type: 'object', properties, ...(required.length ? { required } : {}) });
const address = str('地址', 'Address');
const licenseNo = str('许可证号', 'Licence no.');

export const siteCategories = [
  { code: 'school', name: '中小学校', nameEn: 'School', geometryKind: 'polygon', hasEntrances: true, color: '#d9480f', icon: 'school',
    attrSchema: object({
      stage: choice('学段', 'Stage', [['primary', '小学', 'Primary'], ['middle', '初中', 'Middle school'], ['high', '高中', 'High school']]),
      students: int('学生数', 'Students'), teachers: int('教师数', 'Teachers'),
      public: bool('公办', 'Public'), boarding: bool('寄宿制', 'Boarding') }, ['stage']) },
  { code: 'kindergarten', name: '幼儿园', nameEn: 'Kindergarten', geometryKind: 'polygon', hasEntrances: true, color: '#e8590c', icon: 'kindergarten',
    attrSchema: object({ students: int('幼儿数', 'Children'), classes: int('班级数', 'Classes'), public: bool('公办', 'Public') }) },
  { code: 'water', name: '水域', nameEn: 'Water', geometryKind: 'any', hasEntrances: false, color: '#1c7ed6', icon: 'water',
    attrSchema: object({
      kind: choice('类型', 'Kind', [['river', '河流', 'River'], ['lake', '湖泊', 'Lake'], ['reservoir', '水库', 'Reservoir'], ['pond', '坑塘', 'Pond'], ['pit', '水坑', 'Pit']]),
      river: str('所属河流', 'River'),
      lengthM: num('长度', 'Length', { unit: 'm' }), areaM2: num('面积', 'Area', { unit: 'm²' }), depthM: num('水深', 'Depth', { unit: 'm' }),
      responsible: { type: 'object', title: '责任人', titleEn: 'Responsible persons', properties: {
        village: contact('村级责任人', 'Village level'), township: contact('乡级责任人', 'Township level'), county: contact('县级责任人', 'County level') } },
      equipment: { type: 'object', title: '“四个一”设施', titleEn: 'Safety kit', properties: {
        warningSigns: int('警示牌', 'Warning signs'), lifeBuoys: int('救生圈', 'Life buoys'), ropes: int('救生绳', 'Ropes'), poles: int('救生杆', 'Poles') } },
      guardRailM: num('护栏长度', 'Guard rail', { unit: 'm' }),
      patrolPoints: { type: 'array', title: '巡查点', titleEn: 'Patrol points', items: { type: 'object', properties: {
        lon: { type: 'number', minimum: -180, maximum: 180 }, lat: { type: 'number', minimum: -90, maximum: 90 }, window: str('时段', 'Time window') } } },
    }, ['kind']) },
  { code: 'rental_housing', name: '出租房屋', nameEn: 'Rental housing', geometryKind: 'point', hasEntrances: false, color: '#7950f2', icon: 'house',
    attrSchema: object({ address, units: int('出租套数', 'Units'), tenants: int('租住人数', 'Tenants'), landlord: str('房东', 'Landlord'),
      landlordPhone: str('房东电话', 'Landlord phone'), registered: bool('已登记', 'Registered') }) },
  { code: 'internet_cafe', name: '网吧', nameEn: 'Internet café', geometryKind: 'any', hasEntrances: true, color: '#c2255c', icon: 'cafe',
    attrSchema: object({ address, seats: int('座位数', 'Seats'), licenseNo }) },
  { code: 'entertainment', name: '歌舞娱乐场所', nameEn: 'Entertainment venue', geometryKind: 'any', hasEntrances: true, color: '#ae3ec9', icon: 'ktv',
    attrSchema: object({ kind: choice('类型', 'Kind', [['ktv', 'KTV', 'KTV'], ['dance_hall', '歌舞厅', 'Dance hall']]), address,
      rooms: int('包间数', 'Rooms'), openUntil: str('营业至', 'Open until') }) },
  { code: 'game_hall', name: '游艺厅', nameEn: 'Game hall', geometryKind: 'any', hasEntrances: true, color: '#9c36b5', icon: 'game',
    attrSchema: object({ address, machines: int('机台数', 'Machines') }) },
  { code: 'bar', name: '酒吧', nameEn: 'Bar', geometryKind: 'any', hasEntrances: true, color: '#862e9c', icon: 'bar',
    attrSchema: object({ address, seats: int('座位数', 'Seats') }) },
  { code: 'tobacco', name: '烟草零售点', nameEn: 'Tobacco retail', geometryKind: 'point', hasEntrances: true, color: '#5c940d', icon: 'tobacco',
    attrSchema: object({ address, licenseNo, minorSignPosted: bool('张贴“不向未成年人售烟”标识', 'No-sale-to-minors sign posted') }) },
  { code: 'lottery', name: '彩票销售点', nameEn: 'Lottery outlet', geometryKind: 'point', hasEntrances: true, color: '#f08c00', icon: 'lottery',
    attrSchema: object({ kind: choice('类型', 'Kind', [['welfare', '福利彩票', 'Welfare lottery'], ['sports', '体育彩票', 'Sports lottery']]), address }) },
  { code: 'hotel', name: '旅馆', nameEn: 'Hotel', geometryKind: 'any', hasEntrances: true, color: '#1098ad', icon: 'hotel',
    attrSchema: object({ address, rooms: int('房间数', 'Rooms'), stars: int('星级', 'Stars', { maximum: 5 }) }) },
  { code: 'hospital', name: '医疗机构', nameEn: 'Hospital or clinic', geometryKind: 'any', hasEntrances: true, color: '#e03131', icon: 'hospital',
    attrSchema: object({
      kind: choice('类型', 'Kind', [['general', '综合医院', 'General hospital'], ['tcm', '中医院', 'TCM hospital'],
        ['maternal_child', '妇幼保健院', 'Maternal and child health'], ['township_health_centre', '乡镇卫生院', 'Township health centre'],
        ['community_health_centre', '社区卫生服务中心', 'Community health centre'], ['clinic', '诊所', 'Clinic'],
        ['village_clinic', '村卫生室', 'Village clinic']]),
      level: choice('等级', 'Grade', [['tertiary_a', '三级甲等', 'Tertiary A'], ['secondary_a', '二级甲等', 'Secondary A'], ['secondary', '二级', 'Secondary'], ['primary', '一级', 'Primary']]),
      beds: int('床位', 'Beds'), doctors: int('医生数', 'Doctors') }) },
  { code: 'camera', name: '监控摄像头', nameEn: 'Camera', geometryKind: 'point', hasEntrances: false, color: '#495057', icon: 'camera',
    attrSchema: object({
      type: choice('类型', 'Type', [['dome', '球机', 'Dome'], ['bullet', '枪机', 'Bullet'], ['ptz', '云台', 'PTZ'], ['face', '人脸识别', 'Face recognition'], ['plate', '车牌识别', 'Plate recognition']]),
      direction: num('朝向', 'Direction', { maximum: 360, unit: '°' }), project: str('建设项目', 'Project'), online: bool('在线', 'Online') }) },
  { code: 'police_room', name: '警务室', nameEn: 'Police room', geometryKind: 'point', hasEntrances: false, color: '#1864ab', icon: 'police',
    attrSchema: object({ kind: choice('类型', 'Kind', [['station', '派出所', 'Police station'], ['community', '社区警务室', 'Community police room'], ['campus', '校园警务室', 'Campus police room']]),
      officers: int('警力', 'Officers') }) },
  { code: 'patrol_point', name: '巡查点', nameEn: 'Patrol point', geometryKind: 'point', hasEntrances: false, color: '#2b8a3e', icon: 'patrol',
    attrSchema: object({ kind: choice('类型', 'Kind', [['campus_guard', '护校岗', 'Campus guard post'], ['street', '街面巡逻', 'Street patrol'], ['village', '村组巡查', 'Village patrol']]),
      windows: { type: 'array', title: '巡查时段', titleEn: 'Time windows', items: { type: 'string', pattern: '^[0-2][0-9]:[0-5][0-9]-[0-2][0-9]:[0-5][0-9]$' } } }) },
];

const h = (days: number) => days * 24;
export const incidentCategories: Array<[string, string | null, string, string, number, string | null]> = [
  ['dispute', null, '矛盾纠纷', 'Disputes', h(15), 'justice'],
  ['dispute.family', 'dispute', '婚姻家庭纠纷', 'Marriage and family', h(7), 'justice'],
  ['dispute.neighbour', 'dispute', '邻里纠纷', 'Neighbours', h(7), 'justice'],
  ['dispute.land', 'dispute', '土地山林纠纷', 'Land and forest', h(15), 'natural_resources'],
  ['dispute.labour', 'dispute', '劳资纠纷', 'Labour and wages', h(7), 'civil_affairs'],
  ['dispute.property', 'dispute', '物业纠纷', 'Property management', h(7), 'housing'],
  ['dispute.demolition', 'dispute', '征地拆迁纠纷', 'Land acquisition and demolition', h(15), 'natural_resources'],
  ['dispute.medical', 'dispute', '医疗纠纷', 'Medical', h(7), 'health'],
  ['dispute.traffic', 'dispute', '交通事故纠纷', 'Traffic accidents', h(3), 'police'],
  ['order', null, '治安隐患', 'Public-order hazards', h(3), 'police'],
  ['order.public', 'order', '治安问题', 'Public order', h(3), 'police'],
  ['safety', null, '安全隐患', 'Safety hazards', h(3), 'emergency'],
  ['safety.fire', 'safety', '消防隐患', 'Fire', 1 * 24, 'emergency'],
  ['safety.gas', 'safety', '燃气隐患', 'Gas', 1 * 24, 'emergency'],
  ['safety.drowning', 'safety', '防溺水隐患', 'Drowning', 1 * 24, 'water'],
  ['safety.building', 'safety', '危房隐患', 'Unsafe buildings', h(3), 'housing'],
  ['campus', null, '校园周边', 'Campus surroundings', h(3), 'education'],
  ['campus.surroundings', 'campus', '校园周边环境', 'Campus surroundings', h(3), 'education'],
  ['city', null, '城市管理', 'City appearance', h(7), 'urban_mgmt'],
  ['city.appearance', 'city', '市容环境', 'City appearance', h(3), 'urban_mgmt'],
  ['emergency', null, '突发事件', 'Emergencies', 1 * 24, 'emergency'],
];

export const rules = [
  { code: 'internet-cafe-school-200', name: '中小学校周边200米内不得设立网吧', nameEn: 'No internet café within 200 m of a primary or middle school',
    subject: ['school'], filter: { stage: ['primary', 'middle'] }, target: ['internet_cafe'], distance: 200, method: 'boundary', mode: 'forbidden', severity: 'serious',
    basis: '《互联网上网服务营业场所管理条例》第九条：中学、小学校园周围200米范围内不得设立互联网上网服务营业场所（按校园边界直线距离）' },
  { code: 'entertainment-school-200', name: '学校周边200米内不得设立歌舞娱乐场所、酒吧', nameEn: 'No entertainment venue or bar within 200 m of a school',
    subject: ['school'], filter: null, target: ['entertainment', 'bar', 'game_hall'], distance: 200, method: 'entrance', mode: 'forbidden', severity: 'serious',
    basis: '省级娱乐场所管理规定：距学校出入口200米（出入口直线距离）' },
  { code: 'entertainment-kindergarten-100', name: '幼儿园周边100米内不得设立歌舞娱乐场所、酒吧', nameEn: 'No entertainment venue or bar within 100 m of a kindergarten',
    subject: ['kindergarten'], filter: null, target: ['entertainment', 'bar', 'game_hall'], distance: 100, method: 'entrance', mode: 'forbidden', severity: 'serious',
    basis: '省级娱乐场所管理规定：距幼儿园出入口100米（出入口直线距离）' },
  { code: 'tobacco-school-gate-50', name: '学校大门50米内不得销售烟草', nameEn: 'No tobacco retail within 50 m of a school gate',
    subject: ['school', 'kindergarten'], filter: null, target: ['tobacco'], distance: 50, method: 'entrance', mode: 'forbidden', severity: 'warning',
    basis: '烟草专卖零售许可管理规定：距中小学校、幼儿园大门中心点50米内不予许可' },
  { code: 'school-gate-camera-30', name: '学校大门30米内应有监控摄像头', nameEn: 'Every school gate has a camera within 30 m',
    subject: ['school', 'kindergarten'], filter: null, target: ['camera'], distance: 30, method: 'entrance', mode: 'required', severity: 'warning',
    basis: '中小学幼儿园安全防范工作规范：校门区域视频监控全覆盖' },
];

export async function up(db: Kysely<any>): Promise<void> {
  await db.insertInto('grid_layers').values([
    { id: 1, name: '全科网格', name_en: 'Comprehensive grids', kind: 'comprehensive' },
    { id: 2, name: '专属网格', name_en: 'Dedicated grids', kind: 'dedicated' },
  ]).execute();
  await sql`select setval(pg_get_serial_sequence('grid_layers', 'id'), 2)`.execute(db);

  await db.insertInto('site_categories').values(siteCategories.map((c, i) => ({
    code: c.code, name: c.name, name_en: c.nameEn, geometry_kind: c.geometryKind, has_entrances: c.hasEntrances,
    color: c.color, icon: c.icon, attr_schema: JSON.stringify(c.attrSchema), sort: i,
  }))).execute();

  await db.insertInto('incident_categories').values(incidentCategories.map(([code, parent, name, nameEn, hours, unit], i) => ({
    code, parent_code: parent, name, name_en: nameEn, deadline_hours: hours, default_unit_code: unit, sort: i,
  }))).execute();

  await db.insertInto('rules').values(rules.map((r) => ({
    code: r.code, name: r.name, name_en: r.nameEn, subject_categories: r.subject, target_categories: r.target,
    subject_filter: r.filter ? JSON.stringify(r.filter) : null, distance_m: r.distance, method: r.method,
    mode: r.mode, severity: r.severity, basis: r.basis,
  }))).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('rules').execute();
  await db.deleteFrom('incident_categories').execute();
  await db.deleteFrom('site_categories').execute();
  await db.deleteFrom('grid_layers').execute();
}
