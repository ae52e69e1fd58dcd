/**
 * Seals secrets at rest (TOTP seeds, private keys, OAuth token secrets, passwords, ACE's sharedSecret).
 *
 * `context` names what the secret is and whose (e.g. `["tenant.sharedSecret","<clientKey>"]`). It is bound to
 * the sealed value as associated data, so a sealed value copied into another row or column does not open.
 */
export interface SecretBox {
  seal(plaintext: string, context: string): string;
  /** Throws when the value was tampered with, sealed for another context, or under an unknown key. */
  open(sealed: string, context: string): string;
  /** True when the value is sealed under an older master key (rotation re-seals it). */
  isSealedUnderOlderKey(sealed: string): boolean;
}
