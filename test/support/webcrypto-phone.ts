import { webcrypto } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** What a companion sees of a pending request (CONTRACT "Email codes and the access pass"). */
export interface PhoneRequest {
  challengeId: string;
  nonce: string;
  symbols: { id: string; name: string }[];
  user: string;
  site: string;
  ip: string;
  createdAt: string;
  expiresAt: string;
}

interface Caller {
  request(
    method: string,
    path: string,
    options?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; text: string; json<T = any>(): T }>;
}

/**
 * A paired phone made with Node's WebCrypto, as the companion PWA makes one in the browser: a
 * non-extractable ECDSA P-256 key, its public JWK sent at pairing, answers signed in IEEE P1363 form
 * (WebCrypto's own), base64url. Any client of the companion API could be written this way.
 */
export class WebCryptoPhone {
  deviceId: string | null = null;
  deviceToken: string | null = null;

  private constructor(
    private readonly app: Caller,
    readonly keys: CryptoKeyPair,
  ) {}

  static async create(app: Caller, curve: 'P-256' | 'P-384' = 'P-256'): Promise<WebCryptoPhone> {
    const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: curve }, false, ['sign', 'verify']);
    return new WebCryptoPhone(app, keys);
  }

  async publicJwk(): Promise<webcrypto.JsonWebKey> {
    return webcrypto.subtle.exportKey('jwk', this.keys.publicKey);
  }

  /** `POST /companion/api/v1/devices` with the token from a pairing URL's fragment. */
  async pair(pairingUrl: string, name = 'Test phone') {
    const token = new URL(pairingUrl).hash.replace(/^#pair=/, '');
    const response = await this.app.request('POST', '/companion/api/v1/devices', { body: { pairingToken: token, name, publicKey: await this.publicJwk() } });
    if (response.status === 201) ({ deviceId: this.deviceId, deviceToken: this.deviceToken } = response.json());
    return response;
  }

  async requests(): Promise<{ status: number; requests: PhoneRequest[] }> {
    const response = await this.app.request('GET', '/companion/api/v1/requests', { headers: this.bearer() });
    return { status: response.status, requests: response.status === 200 ? response.json().requests : [] };
  }

  /** Signs `twofold-access-pass\n{challengeId}\n{symbolId}\n{decision}\n{nonce}` with this phone's key (or `signer`'s). */
  async sign(
    request: Pick<PhoneRequest, 'challengeId' | 'nonce'>,
    symbolId: string,
    decision: 'approve' | 'deny',
    signer: WebCryptoPhone = this,
  ): Promise<string> {
    const text = `twofold-access-pass\n${request.challengeId}\n${symbolId}\n${decision}\n${request.nonce}`;
    const signature = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, signer.keys.privateKey, new TextEncoder().encode(text));
    return Buffer.from(signature).toString('base64url');
  }

  async answer(request: Pick<PhoneRequest, 'challengeId' | 'nonce'>, symbolId: string, decision: 'approve' | 'deny', signature?: string) {
    return this.app.request('POST', `/companion/api/v1/requests/${request.challengeId}`, {
      headers: this.bearer(),
      body: { decision, symbolId, signature: signature ?? (await this.sign(request, symbolId, decision)) },
    });
  }

  private bearer(): Record<string, string> {
    return this.deviceToken === null ? {} : { Authorization: `Bearer ${this.deviceToken}` };
  }
}
