import { baseStringUri } from './base-string-uri';
import { normalizeParameters } from './parameters-normalization';
import { percentEncode } from './percent-encoding';
import { collectRequestParameters, type ParameterSources } from './request-parameters';

export interface BaseStringInput extends ParameterSources {
  method: string;
}

/**
 * The signature base string: `METHOD&encode(base string URI)&encode(normalised parameters)`.
 * @see RFC 5849 §3.4.1.1
 */
export function signatureBaseString(input: BaseStringInput): string {
  const method = percentEncode(input.method.toUpperCase());
  const uri = percentEncode(baseStringUri(input.url));
  const parameters = percentEncode(normalizeParameters(collectRequestParameters(input)));
  return `${method}&${uri}&${parameters}`;
}
