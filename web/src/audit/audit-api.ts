/** The audit log API (administrators): GET /api/audit with filters, newest first, paged by id. */
import { api, call, signalled, type Answer, type Args } from '../lib/api';

export type AuditEntry = Answer<typeof api.audit.$get>['items'][number];

type Query = Args<typeof api.audit.$get>['query'];
/** The form's filters (ISO instants for from/to), with the paging numbers as numbers. */
export type AuditQuery = Omit<Query, 'before' | 'limit'> & { before?: number; limit?: number };

export const auditApi = {
  search: ({ before, limit, ...q }: AuditQuery, signal?: AbortSignal) =>
    call(api.audit.$get({ query: { ...q, before: before === undefined ? undefined : String(before), limit: String(limit ?? 50) } }, signalled(signal))),
};

/** The fields whose values differ between before and after (all of them for a create or delete). */
export function changedFields(before: unknown, after: unknown): string[] {
  const b = (before && typeof before === 'object' ? before : {}) as Record<string, unknown>;
  const a = (after && typeof after === 'object' ? after : {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys.filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]));
}

/** A value as short text for the table (geometries and long objects are abbreviated). */
export function brief(value: unknown): string {
  if (value === undefined) return '—';
  if (value && typeof value === 'object' && 'type' in value && 'coordinates' in value) return `${(value as { type: string }).type} …`;
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}
