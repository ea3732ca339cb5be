import type { Context } from 'hono';
import { problemCodes, type ProblemCode } from './problem-codes.ts';

export type { ProblemCode };

/** Bilingual titles for each machine-readable problem type (RFC 9457 `type` = /problems/<slug>). */
const titles = {
  'validation': ['请求参数无效', 'Invalid request'],
  'invalid-geometry': ['几何图形无效', 'Invalid geometry'],
  'too-far': ['距离场所过远，不能打卡', 'Too far from the site to check in'],
  'unauthenticated': ['未登录或登录已过期', 'Not signed in'],
  'bad-credentials': ['用户名或密码错误', 'Wrong username or password'],
  'forbidden': ['无权执行此操作', 'Not allowed'],
  'not-found': ['未找到', 'Not found'],
  'conflict': ['数据已被他人修改', 'Conflicting change'],
  'payload-too-large': ['请求体过大', 'Request body too large'],
  'archive-too-large': ['压缩包解压后过大或文件过多', 'Archive too large when unpacked, or too many entries'],
  'too-many-attempts': ['尝试次数过多，请稍后再试', 'Too many attempts; try again later'],
  'unsupported-media-type': ['不支持的内容类型', 'Unsupported media type'],
  'illegal-transition': ['当前状态下不能执行此操作', 'Not possible in the current state'],
  'cross-site': ['拒绝跨站请求', 'Cross-site request refused'],
  'weak-password': ['密码不符合要求', 'Password does not meet the rules'],
  'read-only-token': ['此令牌只读', 'This token is read-only'],
  'not-ready': ['服务尚未就绪', 'Service not ready'],
  'internal': ['服务器内部错误', 'Internal server error'],
} as const;

export type ProblemType = keyof typeof titles;

/** A value a problem's sentence needs: a number, an id, a name, a state… */
export type ParamValue = string | number | boolean | null;
type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer Rest}` ? P | Placeholders<Rest> : never;
/** The params a code's template names are required; more may be given for clients that say more. */
export type ParamsOf<C extends ProblemCode> = { [K in Placeholders<(typeof problemCodes)[C]['detail']>]: ParamValue } & Record<string, ParamValue>;

/** An error that the API answers as application/problem+json: a catalogued `code` with its `params`. */
export class ProblemError extends Error {
  readonly status: number;
  readonly type: ProblemType;
  /** The English sentence, rendered from the catalog's template. */
  readonly detail: string;
  constructor(
    readonly code: ProblemCode,
    readonly params: Record<string, ParamValue> = {},
    readonly extensions: Record<string, unknown> = {},
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    const def = problemCodes[code];
    const detail = renderDetail(def.detail, params);
    super(detail);
    this.status = def.status;
    this.type = def.type;
    this.detail = detail;
  }
}

/** Fills `{name}` placeholders from params (a missing one stays as it is). */
export const renderDetail = (template: string, params: Record<string, ParamValue>) =>
  template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));

/**
 * The problem of a catalogued code: `throw problem('plan.not-draft', { planId, status })`.
 * `extensions` are further members of the body (field `errors`, `currentVersion`…).
 */
export function problem<C extends ProblemCode>(
  code: C,
  ...rest: Placeholders<(typeof problemCodes)[C]['detail']> extends never
    ? [params?: Record<string, ParamValue>, extensions?: Record<string, unknown>, headers?: Record<string, string>]
    : [params: ParamsOf<C>, extensions?: Record<string, unknown>, headers?: Record<string, string>]
): ProblemError {
  const [params, extensions, headers] = rest;
  return new ProblemError(code, params ?? {}, extensions, headers);
}

/**
 * A catalogued code as one entry of a list (a bad row of an import): its English `message` with
 * the `code` and `params` clients translate.
 */
export function described<C extends ProblemCode>(
  code: C,
  ...rest: Placeholders<(typeof problemCodes)[C]['detail']> extends never ? [params?: Record<string, ParamValue>] : [params: ParamsOf<C>]
): { message: string; code: C; params: Record<string, ParamValue> } {
  const params = rest[0] ?? {};
  return { message: renderDetail(problemCodes[code].detail, params), code, params };
}

function prefersEnglish(c: Context): boolean {
  const accept = c.req.header('accept-language') ?? '';
  return /^\s*en\b/i.test(accept);
}

/** Builds the problem+json response; the title follows Accept-Language (Chinese by default). */
export function problemResponse(c: Context, error: ProblemError): Response {
  const [zh, en] = titles[error.type];
  const body = {
    type: `/problems/${error.type}`,
    title: prefersEnglish(c) ? en : zh,
    status: error.status,
    detail: error.detail,
    instance: new URL(c.req.url).pathname,
    ...error.extensions,
    code: error.code,
    params: error.params,
  };
  return new Response(JSON.stringify(body), {
    status: error.status,
    headers: { ...error.headers, 'content-type': 'application/problem+json; charset=utf-8' },
  });
}
