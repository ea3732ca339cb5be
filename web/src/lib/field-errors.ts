/**
 * The server's field errors (problem+json `errors[]`: path, English message, and the rule that
 * failed with its parameters) as texts in the interface's language, keyed by path, for forms to
 * show under the fields they name. A rule the interface does not know says "invalid" (in English,
 * the server's message).
 */
import { type MessageKey, i18n, t } from '../i18n/i18n.svelte';
import { ApiError } from './api';
import { codeText } from './problem-text';

interface FieldError {
  path: string;
  message: string;
  /** A field refused for a reason of its own (e.g. an unknown unit code): problem.<code> with params. */
  code?: string;
  rule?: string;
  params?: { limit?: number | string; type?: string };
}

const rules = new Set(['required', 'type', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'format', 'choice', 'unknownField']);
const typeNames = new Set(['integer', 'number', 'string', 'boolean']);

export function fieldErrorText(e: FieldError): string {
  const byCode = codeText(e.code, e.params);
  if (byCode) return byCode;
  // the server's message is English: shown as it is only to an English interface
  if (!e.rule || !rules.has(e.rule)) return i18n.lang === 'en' ? e.message : t('fieldError.invalid');
  if (e.rule === 'type') {
    const type = typeNames.has(String(e.params?.type)) ? t(`fieldError.type.${e.params!.type}` as MessageKey) : String(e.params?.type ?? '');
    return t('fieldError.type', { type });
  }
  return t(`fieldError.${e.rule}` as MessageKey, { limit: e.params?.limit ?? '' });
}

/** Field errors of a failed request by path (empty when the answer named no field). */
export function fieldErrorsOf(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof ApiError && Array.isArray(err.problem.errors)) {
    for (const fe of err.problem.errors as FieldError[]) if (typeof fe?.path === 'string') out[fe.path] = fieldErrorText(fe);
  }
  return out;
}
