/**
 * `Retry-After` as delay-seconds or an HTTP-date, in milliseconds from `now`; undefined when absent or
 * unreadable, and for a date when no `now` is known. A date in the past means "now" (0). The one parser
 * of the header: the REST client's backoff and the errors that report it both read it here.
 * @see RFC 9110 §10.2.3
 */
export function retryAfterMs(value: string | undefined, now: Date | undefined): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP-date (IMF-fixdate, or the obsolete RFC 850 and asctime forms, which Date.parse reads too).
  if (now === undefined || !/[A-Za-z]{3}/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

/** The same, in whole seconds (rounded up), as an error's `retryAfterSeconds` carries it. */
export function retryAfterSeconds(value: string | undefined, now: Date | undefined): number | undefined {
  const ms = retryAfterMs(value, now);
  return ms === undefined ? undefined : Math.ceil(ms / 1000);
}
