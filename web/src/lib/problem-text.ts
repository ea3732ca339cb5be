/**
 * What the interface says about a failed request, in its own language: a problem's stable `code`
 * (server/http/problem-codes.ts) with its `params` becomes the message `problem.<code>`; a problem
 * without a known code says the title of its type. Server prose (`detail`) is never shown: it is
 * English, for API clients.
 */
import { type MessageKey, i18n, t } from '../i18n/i18n.svelte';
import { ApiError } from './api';
import { fieldErrorText } from './field-errors';

const MiB = 1024 * 1024;

/** Param values that are names of things the interface knows (states, actions, duties…), or need formatting. */
function paramText(name: string, value: unknown): string | number {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    if (/bytes$/i.test(name)) return `${i18n.formatNumber(value / MiB, 1)} MB`;
    return value;
  }
  const text = String(value);
  const known = (key: string) => (i18n.has(key) ? t(key) : text);
  switch (name) {
    case 'state': return known(`incident.state.${text}`);
    case 'action': return known(`incidents.action.${text}`);
    case 'duty': return known(`duty.${text}`);
    case 'expected': return known(`siteEdit.kind.${text}`);
    case 'actual': return known(`siteEdit.kind.${text.replace(/^Multi/, '').replace(/String$/, '').toLowerCase()}`);
  }
  if (/At$/.test(name) && !Number.isNaN(Date.parse(text))) return new Date(text).toLocaleString(i18n.locale);
  return text;
}

/** The message for a problem's code and params, or undefined when this interface does not know the code. */
export function codeText(code: unknown, params: unknown): string | undefined {
  if (typeof code !== 'string') return undefined;
  const key = `problem.${code}`;
  if (!i18n.has(key)) return undefined;
  const vars: Record<string, string | number> = {};
  if (params && typeof params === 'object') {
    for (const [name, value] of Object.entries(params as Record<string, unknown>)) vars[name] = paramText(name, value);
  }
  return t(key as MessageKey, vars);
}

/** The interface's sentence for any error a request can end in. */
export function problemText(e: unknown): string {
  if (!(e instanceof ApiError)) return e instanceof Error ? e.message : String(e);
  if (e.status === 0) return t('error.network');
  const byCode = codeText(e.problem.code, e.problem.params);
  if (byCode) return byCode;
  const slug = e.type?.replace(/^\/problems\//, '');
  if (slug && i18n.has(`problemType.${slug}`)) return t(`problemType.${slug}` as MessageKey);
  return `${t('error.generic')} (HTTP ${e.status})`;
}

/** One bad row of an import report: by its code, else by its field rule, else (English only) the server's message. */
export function rowErrorText(e: { message: string; code?: string; rule?: string; params?: unknown }): string {
  return codeText(e.code, e.params)
    ?? (e.rule ? fieldErrorText({ path: '', message: e.message, rule: e.rule, params: e.params as { limit?: number } })
      : i18n.lang === 'en' ? e.message : t('fieldError.invalid'));
}
