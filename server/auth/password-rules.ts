import { problemCodes, type ProblemCode } from '../http/problem-codes.ts';
import { renderDetail } from '../http/problem.ts';

type PasswordCode = Extract<ProblemCode, `password.${string}`>;

/**
 * Password rules for accounts made with the CLI and for password changes: at least 10 characters
 * (NIST SP 800-63B asks for 8 minimum; we ask a little more because logins are throttled per
 * account, not per source), at most 200, at least three of lower case, upper case, digits and
 * other characters, not containing the username, and not one of the passwords everybody tries.
 * Letters without case (Chinese characters) count as a kind of their own.
 */
const common = new Set([
  'password123', 'password1234', 'qwerty12345', '1234567890', '12345678910', 'abc123456789', 'iloveyou123',
  'admin123456', 'administrator', 'welcome2026', 'woaini1314520', 'aa123456789', 'a1234567890', 'zxcvbnm12345',
  '1qaz2wsx3edc', 'qwertyuiop', 'p@ssw0rd123', 'pingan12345', 'pingan-grid', 'demo-2026',
]);

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

/** The rule a password breaks (a problem code with its params), or null when it is acceptable. */
export function passwordRuleBroken(password: string, username = ''): { code: PasswordCode; params: Record<string, number> } | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return { code: 'password.too-short', params: { min: PASSWORD_MIN } };
  if (length > PASSWORD_MAX) return { code: 'password.too-long', params: { max: PASSWORD_MAX } };
  const classes = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /\p{Lo}/u, /[^\p{L}\p{Nd}]/u].filter((re) => re.test(password)).length;
  if (classes < 3) return { code: 'password.too-simple', params: {} };
  if (username && password.toLowerCase().includes(username.toLowerCase())) return { code: 'password.contains-username', params: {} };
  if (common.has(password.toLowerCase())) return { code: 'password.too-common', params: {} };
  if (/^(.)\1+$/.test(password)) return { code: 'password.one-character', params: {} };
  return null;
}

/** Why a password is refused (English; the CLI shows it), or null when it is acceptable. */
export function passwordProblem(password: string, username = ''): string | null {
  const broken = passwordRuleBroken(password, username);
  return broken && renderDetail(problemCodes[broken.code].detail, broken.params);
}
