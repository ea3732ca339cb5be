import type { ErrorObject } from 'ajv';
import type { z } from '@hono/zod-openapi';

/**
 * One bad field of a request, as problem+json `errors[]` carries it: `path` names the field
 * (dotted, e.g. `attrs.seats`), `message` is English for API users, and `rule` + `params` say
 * which rule failed in a form a client can put into its own language (the web app shows
 * "不能小于 0" for `{ rule: 'minimum', params: { limit: 0 } }`).
 */
export interface FieldError {
  path: string;
  message: string;
  rule?: FieldRule;
  params?: Record<string, unknown>;
}

/** The rules clients may localize; anything else comes without `rule` and shows its message. */
export type FieldRule = 'required' | 'type' | 'minimum' | 'maximum' | 'minLength' | 'maxLength' | 'pattern' | 'format' | 'choice' | 'unknownField';

/** JSON Schema (ajv) errors of an object under `prefix`, each named by the field it is about. */
export function ajvFieldErrors(errors: ErrorObject[] | null | undefined, prefix: string): FieldError[] {
  return (errors ?? []).map((e) => {
    const base = `${prefix}${e.instancePath.replace(/\//g, '.')}`;
    const p = e.params as Record<string, unknown>;
    const at = (name: unknown) => `${base}.${String(name)}`;
    switch (e.keyword) {
      // ajv reports these on the object; the form shows them under the field they name
      case 'required': return { path: at(p.missingProperty), message: 'required', rule: 'required' };
      case 'additionalProperties': return { path: at(p.additionalProperty), message: 'unknown field', rule: 'unknownField' };
      case 'minimum': case 'exclusiveMinimum': return { path: base, message: e.message ?? 'too small', rule: 'minimum', params: { limit: p.limit } };
      case 'maximum': case 'exclusiveMaximum': return { path: base, message: e.message ?? 'too large', rule: 'maximum', params: { limit: p.limit } };
      case 'minLength': return { path: base, message: e.message ?? 'too short', rule: 'minLength', params: { limit: p.limit } };
      case 'maxLength': return { path: base, message: e.message ?? 'too long', rule: 'maxLength', params: { limit: p.limit } };
      case 'type': return { path: base, message: e.message ?? 'wrong type', rule: 'type', params: { type: p.type } };
      case 'pattern': return { path: base, message: e.message ?? 'wrong pattern', rule: 'pattern' };
      case 'format': return { path: base, message: e.message ?? 'wrong format', rule: 'format' };
      case 'enum': case 'const': case 'oneOf': case 'anyOf': return { path: base, message: e.message ?? 'not a choice', rule: 'choice' };
      default: return { path: base, message: e.message ?? 'invalid' };
    }
  });
}

/** Zod issues (request validation) as field errors. */
export function zodFieldErrors(issues: z.core.$ZodIssue[]): FieldError[] {
  return issues.map((i) => {
    const path = i.path.map(String).join('.');
    const limit = (v: unknown) => (typeof v === 'bigint' ? Number(v) : v);
    switch (i.code) {
      case 'invalid_type':
        // zod says "expected string, received undefined" for a missing member
        return /received undefined/.test(i.message)
          ? { path, message: i.message, rule: 'required' }
          : { path, message: i.message, rule: 'type', params: { type: i.expected } };
      case 'too_small':
        return i.origin === 'string' || i.origin === 'array'
          ? { path, message: i.message, rule: 'minLength', params: { limit: limit(i.minimum) } }
          : { path, message: i.message, rule: 'minimum', params: { limit: limit(i.minimum) } };
      case 'too_big':
        return i.origin === 'string' || i.origin === 'array'
          ? { path, message: i.message, rule: 'maxLength', params: { limit: limit(i.maximum) } }
          : { path, message: i.message, rule: 'maximum', params: { limit: limit(i.maximum) } };
      case 'invalid_format': return { path, message: i.message, rule: i.format === 'regex' ? 'pattern' : 'format' };
      case 'invalid_value': return { path, message: i.message, rule: 'choice' };
      case 'unrecognized_keys': return { path: [path, i.keys[0]].filter(Boolean).join('.'), message: i.message, rule: 'unknownField' };
      default: return { path, message: i.message };
    }
  });
}

/** The problem's detail line: every field error, path first. */
export const fieldErrorsDetail = (errors: FieldError[]) => errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ');
