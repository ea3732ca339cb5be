/**
 * The platform's JSON API (docs/contract.md). Every call goes to the origin that served the page, so the
 * browser never talks to another host. Errors arrive as application/problem+json and become ApiError.
 */
import type {
  AppConfig,
  BBox,
  GridCollection,
  GridDetail,
  GridLayerKind,
  RegionCollection,
  RegionDetail,
  SiteCategory,
  SiteCollection,
  SiteDetail,
  User,
} from './types';

/** An RFC 9457 problem, or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
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

/** Called when a request other than login/me answers 401 (the session ended). */
export function onUnauthorized(handler: () => void): void {
  unauthorizedHandler = handler;
}

type Query = Record<string, string | number | boolean | undefined | null>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

export async function request<T>(
  method: string,
  path: string,
  options: { query?: Query; body?: unknown; raw?: { data: Blob; type: string }; signal?: AbortSignal; quiet401?: boolean } = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(withQuery(path, options.query), {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json, application/problem+json',
        // Problem titles come back in the UI's language.
        'accept-language': document.documentElement.lang === 'en' ? 'en' : 'zh-CN',
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.raw ? { 'content-type': options.raw.type } : {}),
      },
      body: options.raw ? options.raw.data : options.body !== undefined ? JSON.stringify(options.body) : undefined,
      signal: options.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, { title: 'network', detail: e instanceof Error ? e.message : String(e) });
  }
  if (!res.ok) {
    let problem: { title?: string; detail?: string; type?: string; [k: string]: unknown } = {};
    try {
      problem = await res.json();
    } catch {
      // Not JSON (a proxy's error page): the status alone says enough.
    }
    if (res.status === 401 && !options.quiet401) unauthorizedHandler?.();
    throw new ApiError(res.status, problem);
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

const bboxParam = (b: BBox | undefined) => (b ? b.map((n) => n.toFixed(6)).join(',') : undefined);

export const api = {
  config: () => request<AppConfig>('GET', '/api/config'),
  login: (username: string, password: string) =>
    request<{ user: User }>('POST', '/api/auth/login', { body: { username, password }, quiet401: true }),
  logout: () => request<void>('POST', '/api/auth/logout', { quiet401: true }),
  me: () => request<{ user: User }>('GET', '/api/auth/me', { quiet401: true }),

  /** Regions: by parent, or by level within a subtree; no parameters gives the caller's scope root. */
  regions: (q: { parent?: string; level?: string; within?: string; geometry?: boolean } = {}, signal?: AbortSignal) =>
    request<RegionCollection>('GET', '/api/regions', {
      query: { parent: q.parent, level: q.level, within: q.within, geometry: q.geometry === false ? 'false' : undefined },
      signal,
    }),
  region: (code: string, signal?: AbortSignal) =>
    request<RegionDetail>('GET', `/api/regions/${encodeURIComponent(code)}`, { signal }),

  grids: (q: { region?: string; bbox?: BBox; layer?: GridLayerKind; at?: string } = {}, signal?: AbortSignal) =>
    request<GridCollection>('GET', '/api/grids', {
      query: { region: q.region, bbox: bboxParam(q.bbox), layer: q.layer, at: q.at },
      signal,
    }),
  grid: (id: string | number, signal?: AbortSignal) =>
    request<GridDetail>('GET', `/api/grids/${encodeURIComponent(String(id))}`, { signal }),
  /** Every version of the grid's code, newest first. */
  gridHistory: (id: string | number, signal?: AbortSignal) =>
    request<GridCollection>('GET', `/api/grids/${encodeURIComponent(String(id))}/history`, { signal }),

  sites: (
    q: { category?: string[]; region?: string; grid?: string | number; bbox?: BBox; limit?: number } = {},
    signal?: AbortSignal,
  ) =>
    request<SiteCollection>('GET', '/api/sites', {
      query: {
        category: q.category?.join(','),
        region: q.region,
        grid: q.grid,
        bbox: bboxParam(q.bbox),
        limit: q.limit,
      },
      signal,
    }),
  site: (id: string | number, signal?: AbortSignal) =>
    request<SiteDetail>('GET', `/api/sites/${encodeURIComponent(String(id))}`, { signal }),
  siteCategories: () => request<{ items: SiteCategory[] }>('GET', '/api/site-categories'),
};
