/**
 * Characters no name Twofold stores may contain (2FA IDs, group names, branding, device names):
 *
 * - C0 and C1 control characters and DEL: a newline in a group name splits log lines and CSV rows;
 * - bidirectional controls (U+202A–202E embeddings and overrides, U+2066–2069 isolates, U+200E/200F and
 *   U+061C marks): `bob\u202Enimda` renders as "bobadmin" backwards and reverses the app's own text
 *   after it ("…nimda na yb tes" in the audit log, "exe.png" for "png.exe"), and reaches authenticator
 *   apps through the QR code's issuer and label (Trojan Source, CVE-2021-42574);
 * - lone surrogates, which have no UTF-8 encoding.
 *
 * Names that come from Jira (display names) are not refused, since Twofold does not own them: they are
 * isolated where shown (`<bdi>` in the views) and capped in length (`capForeignText`).
 */
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `text` holds a control, bidirectional-control or lone-surrogate character. */
export function hasUnsafeCharacters(text: string): boolean {
  return UNSAFE.test(text);
}

/** The problem to report for a name with such a character (field problems say it the same way everywhere). */
export const UNSAFE_CHARACTERS_PROBLEM = 'must not contain control or text-direction characters';

/**
 * Text from Jira (a display name) made safe to keep: unsafe characters dropped and the length capped, so
 * that a 300-character or direction-flipping name cannot break a page's layout or the audit log.
 */
export function capForeignText(text: string, maxLength = 255): string {
  const cleaned = text.replace(new RegExp(UNSAFE.source, 'g'), '');
  return cleaned.length > maxLength ? `${cleaned.slice(0, maxLength - 1)}…` : cleaned;
}
