import { MAX_SECRET_BYTES, MIN_SECRET_BYTES } from '../mfa/secret';
import { decodeBase32, decodeHex } from '../mfa/secret-encoding';
import { parseCsvRecords } from './csv-records';

/**
 * The columns of a hardware token seed file, in order, as Token2 ships them and Microsoft Entra imports
 * them ("OATH tokens" CSV): `upn,serial number,secret key,time interval,manufacturer,model`.
 */
export const TOKEN_FILE_COLUMNS = ['upn', 'serial number', 'secret key', 'time interval', 'manufacturer', 'model'] as const;

/** The most rows one file may hold (a site of 20,000 users, with room to spare). */
export const MAX_TOKEN_ROWS = 50_000;
const MAX_TEXT_LENGTH = 128;

/** One token, checked: the secret decoded, the period known. `secret` never leaves the import job. */
export interface HardwareTokenSeed {
  readonly line: number;
  readonly upn: string;
  readonly serial: string;
  readonly secret: Buffer;
  readonly period: 30 | 60;
  readonly manufacturer: string;
  readonly model: string;
}

/** Why a row was refused; stable codes a client (and the tests) can rely on. */
export type TokenRowReason =
  | 'header_invalid'
  | 'column_count'
  | 'unterminated_quote'
  | 'upn_missing'
  | 'serial_missing'
  | 'secret_malformed'
  | 'secret_length'
  | 'period_unknown'
  | 'text_too_long'
  | 'duplicate_serial'
  | 'duplicate_upn'
  | 'unknown_upn'
  | 'too_many_rows'
  | 'no_rows'
  // checked against the site's data (token-import.ts)
  | 'serial_exists'
  | 'already_enrolled';

export interface TokenRowProblem {
  readonly line: number;
  readonly reason: TokenRowReason;
}

export type TokenFileResult = { readonly ok: true; readonly tokens: HardwareTokenSeed[] } | { readonly ok: false; readonly rows: TokenRowProblem[] };

export interface TokenFileOptions {
  /** Whether `upn` names a user of the site (by email or 2FA ID); every upn is known when absent. */
  readonly isKnownUpn?: (upn: string) => boolean;
}

/**
 * Reads a seed file and checks every row before anything is stored: the result is either every token,
 * or every bad row with its line and reason (a file with one bad row imports nothing, so that an admin
 * never has to work out which half of a file went in). The secret is base32 (Entra's format) or hex
 * (Token2's burner tools): a value with a digit that base32 lacks (0, 1, 8, 9) is read as hex, any
 * other as base32. Serials and UPNs compare case-insensitively: one token per serial and one token per
 * user, since a user has one TOTP credential.
 */
export function parseTokenSeedFile(text: string, options: TokenFileOptions = {}): TokenFileResult {
  const parsed = parseCsvRecords(text);
  if (!parsed.ok) return { ok: false, rows: [{ line: parsed.line, reason: 'unterminated_quote' }] };
  const [header, ...rows] = parsed.records;
  if (!header) return { ok: false, rows: [{ line: 1, reason: 'no_rows' }] };
  const names = header.fields.map((name) => name.trim().toLowerCase());
  if (names.length !== TOKEN_FILE_COLUMNS.length || names.some((name, i) => name !== TOKEN_FILE_COLUMNS[i])) {
    return { ok: false, rows: [{ line: header.line, reason: 'header_invalid' }] };
  }
  if (rows.length === 0) return { ok: false, rows: [{ line: header.line, reason: 'no_rows' }] };
  const overflow = rows[MAX_TOKEN_ROWS];
  if (overflow) return { ok: false, rows: [{ line: overflow.line, reason: 'too_many_rows' }] };

  const problems: TokenRowProblem[] = [];
  const tokens: HardwareTokenSeed[] = [];
  const serials = new Set<string>();
  const upns = new Set<string>();
  for (const { line, fields } of rows) {
    const checked = checkRow(line, fields, options);
    if ('reason' in checked) {
      problems.push(checked);
      continue;
    }
    const serialKey = checked.serial.toLowerCase();
    const upnKey = checked.upn.toLowerCase();
    if (serials.has(serialKey)) problems.push({ line, reason: 'duplicate_serial' });
    else if (upns.has(upnKey)) problems.push({ line, reason: 'duplicate_upn' });
    else tokens.push(checked);
    serials.add(serialKey);
    upns.add(upnKey);
  }
  return problems.length > 0 ? { ok: false, rows: problems } : { ok: true, tokens };
}

function checkRow(line: number, fields: readonly string[], options: TokenFileOptions): HardwareTokenSeed | TokenRowProblem {
  if (fields.length !== TOKEN_FILE_COLUMNS.length) return { line, reason: 'column_count' };
  const [upn, serial, secretText, interval, manufacturer, model] = fields.map((field) => field.trim()) as [string, string, string, string, string, string];
  if (upn === '') return { line, reason: 'upn_missing' };
  if (serial === '') return { line, reason: 'serial_missing' };
  if ([upn, serial, manufacturer, model].some((value) => value.length > MAX_TEXT_LENGTH)) return { line, reason: 'text_too_long' };
  const secret = decodeSecret(secretText);
  if (secret === null) return { line, reason: 'secret_malformed' };
  if (secret.length < MIN_SECRET_BYTES || secret.length > MAX_SECRET_BYTES) return { line, reason: 'secret_length' };
  if (interval !== '30' && interval !== '60') return { line, reason: 'period_unknown' };
  if (options.isKnownUpn && !options.isKnownUpn(upn)) return { line, reason: 'unknown_upn' };
  return { line, upn, serial, secret, period: interval === '30' ? 30 : 60, manufacturer, model };
}

function decodeSecret(text: string): Buffer | null {
  const compact = text.replace(/\s/g, '');
  if (compact === '') return null;
  const decoded = /[0189]/.test(compact) || /^0x/i.test(compact) ? decodeHex(compact) : decodeBase32(compact);
  return decoded.ok ? decoded.bytes : null;
}
