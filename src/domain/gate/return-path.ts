/**
 * Where the verify page sends the browser afterwards: `rd` only when it is a relative path on the same
 * host, else `/`. Anything that a browser could read as another origin is refused: `//evil`, `/\evil`
 * (browsers treat `\` as `/`), a scheme (`https:`, `javascript:`), control characters or whitespace
 * that browsers strip before parsing. This is the whole defence against an open redirect.
 *
 * @see OWASP Unvalidated Redirects and Forwards Cheat Sheet
 */
export function safeReturnPath(rd: unknown): string {
  if (typeof rd !== 'string' || rd.length === 0 || rd.length > 2048) return '/';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
  if (!rd.startsWith('/') || rd.startsWith('//') || rd.includes('\\') || /[\u0000-\u0020\u007f]/.test(rd)) return '/';
  const base = 'http://gate.invalid';
  let parsed: URL;
  try {
    parsed = new URL(rd, base);
  } catch {
    return '/';
  }
  if (parsed.origin !== base) return '/';
  // The verify and set-up pages are not a destination: back to them would loop.
  if (/^\/twofold\/(verify|enroll)/.test(parsed.pathname)) return '/';
  return `${parsed.pathname}${parsed.search}${parsed.hash}`;
}
