/**
 * The platform's JSON API, through Hono's typed client over the server's own route declarations
 * (`AppType` in server/app.ts): request and response shapes come from the server, never from a
 * hand-written copy. Every call goes through one fetch (`apiFetch`): same origin, the UI's language,
 * the 401 handler, and problems (RFC 9457) turned into ApiError.
 */
import { hc, type ClientResponse, type InferRequestType, type InferResponseType } from 'hono/client';
import type { SuccessStatusCode } from 'hono/utils/http-status';
import type { AppType } from '../../../server/app';

/** An RFC 9457 problem, or a network failure (status 0, type `network`). */
export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  /** The problem's slug (`/problems/conflict` → `conflict`); `network` when the server was not reached. */
  readonly type: string | undefined;
  /** The whole problem document: some carry more members (a conflicting plan's id, a geometry's location). */
  readonly problem: Record<string, unknown>;

  constructor(status: number, problem: { title?: string; detail?: string; type?: string; [k: string]: unknown }) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.title = problem.title ?? `HTTP ${status}`;
    this.detail = problem.detail;
    this.type = problem.type;
    this.problem = problem;
  }
}

let unauthorizedHandler: (() => void) | null = null;

/** Called when a request other than sign-in and `me` answers 401 (the session ended). */
export function onUnauthorized(handler: () => void): void {
  unauthorizedHandler = handler;
}

/** Sign-in, sign-out and `me` answer 401 as part of their meaning; only other 401s end the session. */
const quiet401 = (url: string) => /\/api\/auth\/(login|logout|me)\b/.test(url);

/** The one fetch of the web app: every API request, typed or not (uploads), goes through it. */
export async function apiFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('accept', 'application/json, application/problem+json');
  // Problem titles come back in the UI's language.
  headers.set('accept-language', document.documentElement.lang === 'en' ? 'en' : 'zh-CN');
  let res: Response;
  try {
    res = await fetch(input, { ...init, headers, credentials: 'same-origin' });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, { type: 'network', title: 'network', detail: e instanceof Error ? e.message : String(e) });
  }
  if (!res.ok) {
    let problem: { title?: string; detail?: string; type?: string; [k: string]: unknown } = {};
    try {
      problem = await res.json();
    } catch {
      // Not JSON (a proxy's error page): the status alone says enough.
    }
    const url = input instanceof Request ? input.url : String(input);
    if (res.status === 401 && !quiet401(url)) unauthorizedHandler?.();
    throw new ApiError(res.status, problem);
  }
  return res;
}

/** The typed client: `api.grids[':id'].$get({ param: { id: '7' } })`. */
export const api = hc<AppType>('/api', { fetch: apiFetch });

/** What a call answers when it succeeds (apiFetch has already thrown for anything else). */
export type Ok<R> = R extends ClientResponse<infer T, infer S, infer _F> ? (S extends SuccessStatusCode ? T : never) : never;

/** Awaits a typed call and gives its successful JSON body (undefined for 204). */
export async function call<R extends ClientResponse<unknown, number, string>>(request: Promise<R>): Promise<Ok<R>> {
  const res = await request;
  if (res.status === 204) return undefined as Ok<R>;
  return (await res.json()) as Ok<R>;
}

/** The successful JSON body of an endpoint, e.g. `Answer<typeof api.grids[':id']['$get']>`. */
export type Answer<E> = InferResponseType<E, SuccessStatusCode>;
/** The arguments of an endpoint (param, query, json, form). */
export type Args<E> = InferRequestType<E>;
/** Abort support for any call: `api.x.$get(args, signalled(signal))`. */
export const signalled = (signal?: AbortSignal) => (signal ? { init: { signal } } : undefined);
