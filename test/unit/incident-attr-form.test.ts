import { describe, expect, it } from 'vitest';
import { incidentTaxonomy } from '../../migrations/0011_incidents_workflow.ts';
import { collectAttrs, formFields } from '../../web/src/lib/attr-form.ts';

/** The report form's extra fields come from the categories' JSON Schemas as the migration writes them. */
const schemaOf = (code: string) => incidentTaxonomy.find((c) => c[0] === code)![6];

describe('incident extra fields from a category schema', () => {
  it('turns numbers, choices, booleans and text into fields, in the schema\'s order, with units and bilingual titles', () => {
    const fraud = formFields(schemaOf('order.fraud'));
    expect(fraud.map((f) => [f.key, f.kind])).toEqual([['amount', 'number'], ['channel', 'choice']]);
    expect(fraud[0]).toMatchObject({ title: '涉及金额', titleEn: 'Amount involved', unit: '元', minimum: 0, required: false });
    expect(fraud[1].options).toEqual([
      { value: 'phone', label: '电话', labelEn: 'Phone' }, { value: 'sms', label: '短信', labelEn: 'SMS' }, { value: 'online', label: '网络', labelEn: 'Online' }]);
    const family = formFields(schemaOf('dispute.family'));
    expect(family.map((f) => [f.key, f.kind])).toEqual([['parties', 'integer'], ['violence', 'boolean']]);
    expect(formFields(schemaOf('safety.drowning')).map((f) => f.kind)).toEqual(['boolean', 'text']);
    expect(formFields(schemaOf('city.ads'))).toEqual([]);
  });

  it('marks required fields and reads enum + enumNames', () => {
    const fields = formFields({ type: 'object', required: ['grade'], properties: {
      grade: { type: 'string', title: '等级 Grade', enum: ['a', 'b'], enumNames: ['甲级 Grade A', '乙级 Grade B'] } } });
    expect(fields[0]).toMatchObject({ key: 'grade', kind: 'choice', required: true, title: '等级', titleEn: 'Grade' });
    expect(fields[0].options?.map((o) => o.label)).toEqual(['甲级', '乙级']);
  });

  it('collects typed attrs and leaves blanks and unticked boxes out', () => {
    const fields = [...formFields(schemaOf('order.fraud')), ...formFields(schemaOf('dispute.family'))];
    expect(collectAttrs(fields, { amount: '3000.5', channel: 'sms', parties: '', violence: false })).toEqual({ amount: 3000.5, channel: 'sms' });
    expect(collectAttrs(fields, { parties: ' 2 ', violence: true })).toEqual({ parties: 2, violence: true });
    // not a number: passed on as typed, so the server names the field in its 422
    expect(collectAttrs(fields, { amount: 'abc' })).toEqual({ amount: 'abc' });
  });
});
