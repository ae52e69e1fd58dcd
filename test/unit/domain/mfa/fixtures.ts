import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { InvariantError, isTwofoldError, type ErrorCode } from '../../../../src/domain/errors';
import type { Random } from '../../../../src/domain/ports/random';

/** A repeatable Random for tests: SHA-256 in counter mode over a seed. Never for production. */
export class SeededRandom implements Random {
  private counter = 0;
  constructor(private readonly seed: string) {}
  bytes(length: number): Buffer {
    const chunks: Buffer[] = [];
    let have = 0;
    while (have < length) {
      const block = createHash('sha256').update(`${this.seed}:${this.counter++}`).digest();
      chunks.push(block);
      have += block.length;
    }
    return Buffer.concat(chunks).subarray(0, length);
  }
}

/** A Random that hands out the given bytes in order, then throws. */
export class ScriptedRandom implements Random {
  private offset = 0;
  constructor(private readonly script: Buffer) {}
  bytes(length: number): Buffer {
    if (this.offset + length > this.script.length) throw new Error('ScriptedRandom ran out of bytes');
    const out = this.script.subarray(this.offset, this.offset + length);
    this.offset += length;
    return Buffer.from(out);
  }
}

/** Asserts that `fn` throws a TwofoldError with `code`. */
export function assertThrowsCode(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (error: unknown) => isTwofoldError(error) && error.code === code);
}

/** Asserts that `promise` rejects with a TwofoldError with `code`. */
export async function assertRejectsCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => isTwofoldError(error) && error.code === code);
}

/** Asserts that `fn` throws an InvariantError: misuse or corrupt data, `500 internal_error`, never a caller's `400`. */
export function assertThrowsInvariant(fn: () => unknown): void {
  assert.throws(fn, (error: unknown) => error instanceof InvariantError && error.code === 'internal_error');
}

/** Asserts that `promise` rejects with an InvariantError. */
export async function assertRejectsInvariant(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof InvariantError && error.code === 'internal_error');
}

export const ascii = (text: string): Buffer => Buffer.from(text, 'ascii');
