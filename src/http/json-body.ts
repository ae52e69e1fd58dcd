import { TwofoldError } from '../domain/errors';

/** `400 invalid_request` for a body that is not JSON (body-parser's parse failure, or api-lane.ts's). */
export function bodyNotJson(cause: unknown): TwofoldError {
  return new TwofoldError('invalid_request', 'The request body is not valid JSON.', { cause });
}

/**
 * A JSON request body as `express.json()` reads it (body-parser, `strict`): UTF-8 without its byte-order
 * mark, an object or an array at the top (after JSON's whitespace), else `bodyNotJson`. For the listener
 * that answers before Express (api-lane.ts), so that a body means the same there as on every route.
 */
export function parseJsonBody(bytes: Buffer): unknown {
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const first = /^[ \t\n\r]*(.)/s.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw bodyNotJson(new SyntaxError(`Unexpected token ${first ?? 'end of input'} in JSON`));
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw bodyNotJson(error);
  }
}
