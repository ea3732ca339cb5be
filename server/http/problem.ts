import type { Context } from 'hono';

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

/** An error that the API answers as application/problem+json with the given status. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly type: ProblemType,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export const notFound = (what: string) => new ProblemError(404, 'not-found', `${what} does not exist or is outside your scope`);
export const badRequest = (detail: string, extensions?: Record<string, unknown>) =>
  new ProblemError(400, 'validation', detail, extensions);

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
  };
  return new Response(JSON.stringify(body), {
    status: error.status,
    headers: { ...error.headers, 'content-type': 'application/problem+json; charset=utf-8' },
  });
}
