/**
 * A web push service on loopback, and browsers to subscribe to it, for tests: each browser
 * holds a real P-256 key pair and auth secret, as a browser does; the service checks every
 * message's VAPID JWT (RFC 8292) and decrypts its aes128gcm body (RFC 8291) with the
 * browser's private key, so a test sees what the service worker would.
 *
 * Endpoints are `<service>/push/<name>`; the answer for a name can be set (201 by default,
 * 410 for an unsubscribed browser, 503 for a service in trouble).
 */
import crypto from 'node:crypto';
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from './http-receiver.ts';

export type Browser = {
  name: string;
  /** what `PushSubscription.toJSON()` gives */
  subscription: { endpoint: string; expirationTime: number | null; keys: { p256dh: string; auth: string } };
  ecdh: crypto.ECDH;
  authSecret: Buffer;
};

export type VapidClaims = { aud: string; exp: number; sub: string };

export type PushDelivery = {
  browser: string;
  request: ReceivedRequest;
  /** the decrypted payload as text */
  plaintext: string;
  /** the VAPID JWT's claims, after its signature was checked against `vapidKey` */
  claims: VapidClaims;
  /** the VAPID public key the request names (k=) */
  vapidKey: string;
};

export type PushService = {
  url: string;
  /** messages that decrypted and carried a valid VAPID signature, in arrival order */
  deliveries: PushDelivery[];
  /** requests refused as malformed, with why */
  rejected: Array<{ browser: string; reason: string }>;
  /** every request received */
  requests: ReceivedRequest[];
  browser: (name: string) => Browser;
  /** Answers messages for this browser with `status` from now on. */
  answer: (name: string, status: number) => void;
  close: () => Promise<void>;
};

function hmac(key: Buffer, ...parts: Buffer[]): Buffer {
  const mac = crypto.createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** RFC 8291 §3.4 and RFC 8188: the aes128gcm body decrypted with the browser's keys. */
export function decryptAes128gcm(body: Buffer, browser: Pick<Browser, 'ecdh' | 'authSecret'>): string {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const keyIdLength = body[20]!;
  const senderPublicKey = body.subarray(21, 21 + keyIdLength);
  const record = body.subarray(21 + keyIdLength);
  if (record.length > recordSize) throw new Error(`more than one record (${record.length} > ${recordSize})`);
  const sharedSecret = browser.ecdh.computeSecret(senderPublicKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), browser.ecdh.getPublicKey(), senderPublicKey]);
  const ikm = hmac(hmac(browser.authSecret, sharedSecret), keyInfo, Buffer.from([1]));
  const prk = hmac(salt, ikm);
  const contentKey = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0'), Buffer.from([1])).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0'), Buffer.from([1])).subarray(0, 12);
  const decipher = crypto.createDecipheriv('aes-128-gcm', contentKey, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  // The last record ends with a 0x02 delimiter followed by zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end -= 1;
  if (padded[end] !== 2) throw new Error('the last record lacks its 0x02 delimiter');
  return padded.subarray(0, end).toString('utf8');
}

/** RFC 8292: `Authorization: vapid t=<JWT>, k=<public key>`, the JWT signed ES256 by that key. */
export function verifyVapid(authorization: string | undefined): { claims: VapidClaims; vapidKey: string } {
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(authorization ?? '');
  if (!match) throw new Error(`Authorization is not "vapid t=…, k=…": ${authorization}`);
  const [, token, vapidKey] = match as unknown as [string, string, string];
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const raw = Buffer.from(vapidKey, 'base64url');
  if (raw.length !== 65) throw new Error('k is not a P-256 public key');
  const key = crypto.createPublicKey({ format: 'jwk', key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') } });
  const isValid = crypto.verify('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  if (!isValid) throw new Error('the VAPID JWT signature does not verify with k');
  const { alg } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg: string };
  if (alg !== 'ES256') throw new Error(`the VAPID JWT is signed with ${alg}, not ES256`);
  return { claims: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as VapidClaims, vapidKey };
}

/** Starts a push service on a free loopback port. */
export async function startPushService(): Promise<PushService> {
  const browsers = new Map<string, Browser>();
  const statuses = new Map<string, number>();
  const deliveries: PushDelivery[] = [];
  const rejected: PushService['rejected'] = [];
  let sequence = 0;
  const receiver: HttpReceiver = await startHttpReceiver((request) => {
    const name = decodeURIComponent(request.url.replace(/^\/push\//, ''));
    const browser = browsers.get(name);
    if (!browser) return { status: 404 };
    const status = statuses.get(name) ?? 201;
    if (status !== 201) return { status, body: `status ${status} for ${name}` };
    try {
      if (request.headers['content-encoding'] !== 'aes128gcm') throw new Error(`Content-Encoding is ${request.headers['content-encoding']}`);
      const { claims, vapidKey } = verifyVapid(request.headers.authorization);
      deliveries.push({ browser: name, request, plaintext: decryptAes128gcm(request.body, browser), claims, vapidKey });
    } catch (error) {
      rejected.push({ browser: name, reason: (error as Error).message });
      return { status: 400, body: (error as Error).message };
    }
    sequence += 1;
    return { status: 201, headers: { location: `${receiver.url}/message/${sequence}` } };
  });

  return {
    url: receiver.url,
    deliveries,
    rejected,
    requests: receiver.requests,
    browser: (name) => {
      const ecdh = crypto.createECDH('prime256v1');
      ecdh.generateKeys();
      const authSecret = crypto.randomBytes(16);
      const browser: Browser = {
        name,
        ecdh,
        authSecret,
        subscription: {
          endpoint: `${receiver.url}/push/${encodeURIComponent(name)}`,
          expirationTime: null,
          keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: authSecret.toString('base64url') },
        },
      };
      browsers.set(name, browser);
      return browser;
    },
    answer: (name, status) => {
      statuses.set(name, status);
    },
    close: receiver.close,
  };
}
