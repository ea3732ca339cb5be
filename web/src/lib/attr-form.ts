/**
 * Form fields generated from an incident category's `attrSchema` (a JSON Schema object whose
 * properties carry `title` in Chinese, `titleEn`, an optional `unit`, and choices as
 * `oneOf: [{ const, title: "中文 English" }]` or `enum` + `enumNames`), and the values the form
 * collects turned back into the `attrs` object the server validates (empty fields left out).
 */
import { splitBilingual } from '../sites/attrs';

export type FieldKind = 'text' | 'integer' | 'number' | 'boolean' | 'choice';

export interface FormField {
  key: string;
  kind: FieldKind;
  title: string;
  titleEn: string;
  unit?: string;
  required: boolean;
  minimum?: number;
  maxLength?: number;
  options?: Array<{ value: string; label: string; labelEn: string }>;
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

export function formFields(schema: unknown): FormField[] {
  if (!isObject(schema) || !isObject(schema.properties)) return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  const fields: FormField[] = [];
  for (const [key, raw] of Object.entries(schema.properties)) {
    if (!isObject(raw)) continue;
    const title = str(raw.title) ?? key;
    const split = splitBilingual(title);
    const field: FormField = {
      key, kind: 'text', title: split.zh, titleEn: str(raw.titleEn) ?? split.en ?? key, unit: str(raw.unit), required: required.has(key),
      minimum: typeof raw.minimum === 'number' ? raw.minimum : undefined,
      maxLength: typeof raw.maxLength === 'number' ? raw.maxLength : undefined,
    };
    if (Array.isArray(raw.oneOf) && raw.oneOf.every((o) => isObject(o) && o.const !== undefined)) {
      field.kind = 'choice';
      field.options = (raw.oneOf as Array<Record<string, unknown>>).map((o) => {
        const s = splitBilingual(str(o.title) ?? String(o.const));
        return { value: String(o.const), label: s.zh, labelEn: s.en ?? s.zh };
      });
    } else if (Array.isArray(raw.enum)) {
      const names = Array.isArray(raw.enumNames) ? raw.enumNames : [];
      field.kind = 'choice';
      field.options = raw.enum.map((v, i) => {
        const s = splitBilingual(str(names[i]) ?? String(v));
        return { value: String(v), label: s.zh, labelEn: s.en ?? s.zh };
      });
    } else if (raw.type === 'integer') field.kind = 'integer';
    else if (raw.type === 'number') field.kind = 'number';
    else if (raw.type === 'boolean') field.kind = 'boolean';
    fields.push(field);
  }
  return fields;
}

/** The form's values (strings from inputs, booleans from checkboxes) as typed attrs; blanks are omitted. */
export function collectAttrs(fields: FormField[], values: Record<string, string | boolean | undefined>): Record<string, unknown> {
  const attrs: Record<string, unknown> = {};
  for (const f of fields) {
    const v = values[f.key];
    if (f.kind === 'boolean') {
      if (v === true) attrs[f.key] = true;
      continue;
    }
    if (typeof v !== 'string' || v.trim() === '') continue;
    if (f.kind === 'integer' || f.kind === 'number') {
      const n = Number(v);
      attrs[f.key] = Number.isFinite(n) ? n : v; // a non-number goes through, so the server names the field
    } else {
      attrs[f.key] = v.trim();
    }
  }
  return attrs;
}
