/**
 * The users export as CSV (RFC 4180: CRLF line ends, fields with a comma, quote or line break quoted,
 * quotes doubled). Spreadsheet formula injection is neutralised: a cell that starts with `=`, `+`, `-`, `@`,
 * a tab or a carriage return is prefixed with `'`, so Excel, LibreOffice and Google Sheets show it as text
 * instead of running it (a display name such as `=HYPERLINK(...)` is the user's own choice).
 * @see https://owasp.org/www-community/attacks/CSV_Injection
 */
export const USERS_CSV_HEADER = ['accountId', 'displayName', 'twoFactorId', 'enrolled', 'methods', 'lastVerifiedAt'] as const;

export interface UsersCsvRow {
  readonly accountId: string;
  readonly displayName: string;
  readonly twoFactorId: string;
  readonly enrolled: boolean;
  readonly methods: readonly string[];
  readonly lastVerifiedAt: Date | null;
}

export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function usersCsvLine(row: UsersCsvRow): string {
  return [row.accountId, row.displayName, row.twoFactorId, String(row.enrolled), row.methods.join(' '), row.lastVerifiedAt?.toISOString() ?? '']
    .map(csvCell)
    .join(',');
}

export function usersCsvHeader(): string {
  return USERS_CSV_HEADER.join(',');
}
