import type { z } from 'zod';
import { TwofoldError, type ErrorCode } from '../../domain/errors';

/**
 * Parses request input with a zod schema; on failure answers `400 invalid_request` (or the code
 * given) with every bad field named in `details.fields`, so that a client can fix them all at once.
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, code: ErrorCode = 'invalid_request'): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({ field: issue.path.join('.') || '(body)', problem: issue.message }));
  const summary = fields.map((f) => `${f.field}: ${f.problem}`).join('; ');
  throw new TwofoldError(code, `The request is not valid. ${summary}.`, { details: { fields } });
}
