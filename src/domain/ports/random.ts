/**
 * Randomness, injected so that tests can be repeatable. Production wires a CSPRNG
 * (crypto.randomBytes) in src/app.ts; nothing in the domain calls Math.random.
 */
export interface Random {
  bytes(length: number): Buffer;
}
