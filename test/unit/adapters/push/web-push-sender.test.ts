import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createECDH, createPublicKey, randomBytes, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import webpush from 'web-push';
import { WebPushSender } from '../../../../src/adapters/push/web-push-sender';

// http_ece (web-push's own dependency) decrypts what a browser's push service would hand the phone.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ece = require('http_ece') as { decrypt(body: Buffer, params: { version: string; privateKey: unknown; authSecret: string }): Buffer };

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * The Web Push sender against a push service of our own (https, a self-signed certificate trusted by
 * the sender's agent): the payload arrives encrypted for the phone's keys (RFC 8291, aes128gcm) and
 * decrypts to what was sent, the VAPID JWT (RFC 8292) is signed by the configured key for the push
 * service's origin, and a 410 answer means the subscription is gone.
 */
describe('WebPushSender (Web Push with VAPID, RFC 8030/8291/8292)', () => {
  let server: Server;
  let dir: string;
  let agent: Agent;
  let origin: string;
  const received: Received[] = [];
  let answer = 201;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'push-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const cert = readFileSync(join(dir, 'cert.pem'));
    server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    agent = new Agent({ ca: cert });
  });
  after(async () => {
    agent?.destroy();
    await new Promise((resolve) => server?.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sends the payload encrypted for the phone, with a VAPID JWT for the push service; 410 is "gone"', async () => {
    const vapid = webpush.generateVAPIDKeys();
    const sender = new WebPushSender({ ...vapid, subject: 'mailto:admin@example.com' }, agent);
    const phone = createECDH('prime256v1');
    phone.generateKeys();
    const auth = randomBytes(16).toString('base64url');
    const subscription = { endpoint: `${origin}/push/abc`, keys: { p256dh: phone.getPublicKey().toString('base64url'), auth } };
    const payload = JSON.stringify({ challengeId: 'c'.repeat(32), site: 'https://acme.atlassian.net' });

    assert.equal(await sender.send(subscription, payload), 'sent');
    const [push] = received;
    assert.ok(push);
    assert.equal(push.headers['content-encoding'], 'aes128gcm');
    assert.equal(push.headers.ttl, '120');
    assert.notEqual(push.body.toString('utf8'), payload);
    assert.equal(ece.decrypt(push.body, { version: 'aes128gcm', privateKey: phone, authSecret: auth }).toString('utf8'), payload);

    const match = /^vapid t=([^,]+), k=(.+)$/.exec(String(push.headers.authorization));
    assert.ok(match, 'Authorization: vapid t=<jwt>, k=<public key>');
    assert.equal(match[2], vapid.publicKey);
    const [header, claims, signature] = match[1]!.split('.') as [string, string, string];
    assert.equal(JSON.parse(Buffer.from(claims, 'base64url').toString()).aud, origin);
    const point = Buffer.from(vapid.publicKey, 'base64url');
    const key = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') },
      format: 'jwk',
    });
    assert.equal(verify('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url')), true);

    answer = 410;
    assert.equal(await sender.send(subscription, payload), 'gone');
    answer = 500;
    await assert.rejects(sender.send(subscription, payload));
  });
});
