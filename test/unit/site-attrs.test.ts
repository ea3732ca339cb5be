import { describe, expect, it } from 'vitest';
import { siteCategories } from '../../migrations/0003_reference_data.ts';
import { describeAttrs } from '../../web/src/sites/attrs.ts';

const schema = (code: string) => siteCategories.find((c) => c.code === code)!.attrSchema;
const zh = { lang: 'zh' as const, locale: 'zh-CN', yes: '是', no: '否' };
const en = { lang: 'en' as const, locale: 'en-GB', yes: 'Yes', no: 'No' };

describe('site attributes shown in panels', () => {
  it('label fields from the category schema, in the schema\'s order, in either language', () => {
    const attrs = { units: 4, registered: true, address: '中心街103号', tenants: 5 };
    expect(describeAttrs(attrs, schema('rental_housing'), zh).map((r) => [r.label, r.value]))
      .toEqual([['地址', '中心街103号'], ['出租套数', '4'], ['租住人数', '5'], ['已登记', '是']]);
    expect(describeAttrs(attrs, schema('rental_housing'), en).map((r) => r.label))
      .toEqual(['Address', 'Units', 'Tenants', 'Registered']);
  });

  it('translate coded values through the schema\'s options and keep names as they are', () => {
    const rows = describeAttrs({ kind: 'reservoir', river: '安澜河', depthM: 12.5 }, schema('water'), zh);
    expect(rows.map((r) => r.value)).toEqual(['水库', '安澜河', '12.5 m']);
    expect(describeAttrs({ kind: 'reservoir' }, schema('water'), en)[0].value).toBe('Reservoir');
  });

  it('nest objects such as the responsible persons and the safety kit', () => {
    const rows = describeAttrs({ equipment: { warningSigns: 2, lifeBuoys: 0 } }, schema('water'), zh);
    expect(rows[0].label).toBe('“四个一”设施');
    expect(rows[0].children!.map((r) => [r.label, r.value])).toEqual([['警示牌', '2'], ['救生圈', '0']]);
  });

  it('still show attributes that no schema describes, under a readable key', () => {
    expect(describeAttrs({ licenseNo: 'X-1', extraNote: 'n' }, schema('internet_cafe'), en).map((r) => r.label))
      .toEqual(['Licence no.', 'Extra note']);
  });
});
