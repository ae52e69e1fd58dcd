import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretBox } from '../../domain/ports/secret-box';
import { masterKeyId } from './master-key';

const FORMAT_VERSION = 'v1';
const IV_BYTES = 12; // NIST SP 800-38D: 96-bit IVs for GCM
const TAG_BYTES = 16;

/**
 * AES-256-GCM sealing under the master key. A sealed value reads
 * `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts), so that values sealed under an older key
 * still open during a rotation and `npm run rotate-master-key` can find and re-seal them.
 */
export class AesGcmSecretBox implements SecretBox {
  private readonly currentId: string;
  private readonly keys = new Map<string, Buffer>();

  constructor(current: Buffer, previous: Buffer[] = []) {
    this.currentId = masterKeyId(current);
    for (const key of [current, ...previous]) this.keys.set(masterKeyId(key), key);
  }

  private currentKey(): Buffer {
    const key = this.keys.get(this.currentId);
    if (key === undefined) throw new Error('the current master key is not among the keys');
    return key;
  }

  get currentKeyId(): string {
    return this.currentId;
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.currentKey(), iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT_VERSION, this.currentId, iv, ciphertext, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== FORMAT_VERSION) throw new Error('not a sealed value');
    const [, keyId, iv, ciphertext, tag] = parts as [string, string, string, string, string];
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`sealed under master key ${keyId}, which is not configured`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('sealed value does not open: tampered with, or sealed for another context');
    }
  }

  isSealedUnderOlderKey(sealed: string): boolean {
    return sealed.split('.')[1] !== this.currentId;
  }
}
