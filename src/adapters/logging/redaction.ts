import { SECRET_FIELD_NAMES } from '../../domain/secret-fields';

/**
 * What never reaches a log line: secrets, JWTs, passwords and one-time codes. The field names are
 * the domain's one list (src/domain/secret-fields.ts, shared with the audit log), matched at any of
 * the first levels pino's redaction supports.
 */
export { SECRET_FIELD_NAMES };

export function redactPaths(): string[] {
  const paths = [
    'req.headers.authorization',
    'req.headers.cookie',
    'req.headers["x-twofold-gate-key"]',
    'req.headers["x-twofold-session"]',
    'res.headers["set-cookie"]',
  ];
  for (const name of SECRET_FIELD_NAMES) paths.push(name, `*.${name}`, `*.*.${name}`);
  return paths;
}

const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;
// A quoted value may hold escaped quotes (JSON, util.inspect); util.inspect quotes with ` when the value
// holds both ' and ".
const QUOTED = ['"', "'", '`'].map((q) => `${q}(?:[^${q}\\\\]|\\\\.)*${q}`).join('|');
const SECRET_ASSIGNMENT = new RegExp(`(["']?(?:${SECRET_FIELD_NAMES.join('|')})["']?\\s*[:=]\\s*)(${QUOTED}|[^\\s,&}]+)`, 'gi');

/** Scrubs free text (e.g. ACE's util.inspect() output, URLs with ?jwt=) before it is logged. */
export function scrubText(text: string): string {
  return text.replace(JWT_PATTERN, '[JWT]').replace(SECRET_ASSIGNMENT, '$1[REDACTED]');
}
