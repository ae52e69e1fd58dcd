import type { z } from 'zod';
import { TwofoldError } from '../domain/errors';

/** The codes whose details are `{fields}` (ErrorDetailsByCode). */
type FieldErrorCode = 'invalid_request' | 'invalid_policy' | 'invalid_consumer_key';

/**
 * Parses request input with a zod schema; on failure answers `400 invalid_request` (or the code
 * given) with every bad field named in `details.fields`, so that a client can fix them all at once.
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, code: FieldErrorCode = 'invalid_request'): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({ field: issue.path.join('.') || '(body)', problem: issue.message }));
  const summary = fields.map((f) => `${f.field}: ${f.problem}`).join('; ');
  throw new TwofoldError(code, `The request is not valid. ${summary}.`, { details: { fields } });
}
