/**
 * Turns a site's `attrs` into readable rows. Labels come, in order of preference, from the category's
 * `attrSchema` (JSON Schema: `properties.{key}.title`, which the platform writes bilingually as
 * "中文 English" or with `titleEn`; `enum` + `enumNames`, or `oneOf: [{ const, title }]`), then from the key
 * itself. Nested objects become nested rows.
 */
export interface AttrRow {
  key: string;
  label: string;
  value?: string;
  children?: AttrRow[];
}

export interface AttrFormatOptions {
  lang: 'zh' | 'en';
  locale: string;
  yes: string;
  no: string;
}

interface FieldSchema {
  title?: string;
  titleEn?: string;
  unit?: string;
  values?: Record<string, { zh?: string; en?: string }>;
  properties?: Map<string, FieldSchema>;
  items?: FieldSchema;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const CJK = /[\u2e80-\u9fff\uff00-\uffef]/;

/** "学段 Level" → { zh: "学段", en: "Level" }; a single-language title is returned as both. */
export function splitBilingual(title: string): { zh: string; en?: string } {
  const m = /^(.*[\u2e80-\u9fff\uff00-\uffef].*?)\s+([A-Za-z].*)$/.exec(title);
  if (m) return { zh: m[1], en: m[2] };
  return CJK.test(title) ? { zh: title } : { zh: title, en: title };
}

function parseField(o: Record<string, unknown>): FieldSchema {
  const title = str(o.title) ?? str(o.label) ?? str(o.description);
  const split = title ? splitBilingual(title) : undefined;
  const field: FieldSchema = {
    title: split?.zh,
    titleEn: str(o.titleEn) ?? str(o.labelEn) ?? split?.en,
    unit: str(o.unit),
  };
  const values: NonNullable<FieldSchema['values']> = {};
  if (Array.isArray(o.enum)) {
    const names = Array.isArray(o.enumNames) ? o.enumNames : [];
    const namesEn = Array.isArray(o.enumNamesEn) ? o.enumNamesEn : [];
    o.enum.forEach((v, i) => {
      const n = str(names[i]);
      if (n) values[String(v)] = { ...splitBilingual(n), ...(str(namesEn[i]) ? { en: str(namesEn[i]) } : {}) };
    });
  }
  if (Array.isArray(o.oneOf)) {
    for (const opt of o.oneOf) {
      if (isObject(opt) && opt.const !== undefined && str(opt.title)) values[String(opt.const)] = splitBilingual(str(opt.title)!);
    }
  }
  if (Object.keys(values).length) field.values = values;
  if (isObject(o.properties)) field.properties = parseProperties(o.properties);
  if (isObject(o.items)) field.items = parseField(o.items);
  return field;
}

function parseProperties(props: Record<string, unknown>): Map<string, FieldSchema> {
  const fields = new Map<string, FieldSchema>();
  for (const [key, v] of Object.entries(props)) {
    if (typeof v === 'string') {
      const { zh, en } = splitBilingual(v);
      fields.set(key, { title: zh, titleEn: en });
    }
    else if (isObject(v)) fields.set(key, parseField(v));
  }
  return fields;
}

/** The fields a category's attrSchema describes (JSON Schema object, or a plain { key: schema } map). */
export function schemaFields(schema: unknown): Map<string, FieldSchema> {
  if (!isObject(schema)) return new Map();
  return parseProperties(isObject(schema.properties) ? schema.properties : schema);
}

/** "licenseNo" / "guard_rail_m" → "License no" / "Guard rail m". */
function humanise(key: string): string {
  const s = key.replace(/_/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function labelFor(key: string, field: FieldSchema | undefined, o: AttrFormatOptions): string {
  const fromSchema = o.lang === 'en' ? field?.titleEn : field?.title;
  return fromSchema ?? humanise(key);
}

function formatScalar(value: unknown, field: FieldSchema | undefined, o: AttrFormatOptions): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return value ? o.yes : o.no;
  if (typeof value === 'number') {
    const n = new Intl.NumberFormat(o.locale, { maximumFractionDigits: 2 }).format(value);
    return field?.unit ? `${n} ${field.unit}` : n;
  }
  if (typeof value === 'string') {
    const mapped = field?.values?.[value];
    const fromSchema = mapped ? (o.lang === 'en' ? mapped.en : mapped.zh) : undefined;
    // Only codes (ascii identifiers) are translated; names and addresses are shown as they are.
    const isCode = /^[a-z][a-z0-9_]*$/.test(value);
    return fromSchema ?? (isCode && o.lang === 'en' ? humanise(value) : value);
  }
  return String(value);
}

/** An object shown on one line: "姓名 张三，电话 139…"; a bare lon/lat pair as coordinates. */
function formatInline(obj: Record<string, unknown>, fields: Map<string, FieldSchema> | undefined, o: AttrFormatOptions): string {
  const entries = Object.entries(obj);
  const hasLonLat = typeof obj.lon === 'number' && typeof obj.lat === 'number';
  const rest = hasLonLat ? entries.filter(([k]) => k !== 'lon' && k !== 'lat') : entries;
  if (hasLonLat && rest.length === 0) return `${(obj.lon as number).toFixed(5)}, ${(obj.lat as number).toFixed(5)}`;
  const sep = o.lang === 'en' ? ', ' : '，';
  return rest
    .map(([k, v]) => {
      const f = fields?.get(k);
      const value = isObject(v) ? formatInline(v, f?.properties, o) : Array.isArray(v) ? v.map((x) => formatScalar(x, f?.items, o)).join(sep) : formatScalar(v, f, o);
      return rest.length === 1 ? value : `${labelFor(k, f, o)} ${value}`;
    })
    .join(sep);
}

function row(key: string, value: unknown, field: FieldSchema | undefined, o: AttrFormatOptions): AttrRow {
  const label = labelFor(key, field, o);
  if (isObject(value)) {
    return { key, label, children: Object.entries(value).map(([k, v]) => row(k, v, field?.properties?.get(k), o)) };
  }
  if (Array.isArray(value)) {
    if (value.some(isObject)) {
      return {
        key,
        label,
        children: value.map((item, i) => ({
          key: `${key}.${i}`,
          label: `${i + 1}`,
          value: isObject(item) ? formatInline(item, field?.items?.properties, o) : formatScalar(item, field?.items, o),
        })),
      };
    }
    const sep = o.lang === 'en' ? ', ' : '、';
    return { key, label, value: value.map((v) => formatScalar(v, field?.items, o)).join(sep) || '—' };
  }
  return { key, label, value: formatScalar(value, field, o) };
}

/** Rows for a site's attributes: the schema's order first, then any other keys the site has. */
export function describeAttrs(attrs: Record<string, unknown> | null | undefined, schema: unknown, o: AttrFormatOptions): AttrRow[] {
  if (!attrs) return [];
  const fields = schemaFields(schema);
  const keys = [...fields.keys()].filter((k) => k in attrs);
  for (const k of Object.keys(attrs)) if (!keys.includes(k)) keys.push(k);
  return keys.map((k) => row(k, attrs[k], fields.get(k), o));
}
