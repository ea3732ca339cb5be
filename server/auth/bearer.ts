import { problem } from '../http/problem.ts';

/** RFC 6750 `b64token`: what a bearer token may look like. */
const bearerPattern = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The one reading of the Authorization header, shared by authentication and the CSRF guard:
 * undefined when there is none; the token when it is `Bearer <one token>`; anything else (another
 * scheme, no token, several words) is a 401 — never a silent fallback to the session cookie, and
 * never an exemption from the CSRF guard.
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const token = bearerPattern.exec(header)?.[1];
  if (!token) {
    throw problem('auth.malformed-authorization');
  }
  return token;
}
