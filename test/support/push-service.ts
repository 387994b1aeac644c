import { createECDH, createPublicKey, ECDH, randomBytes, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import * as ece from 'http_ece';
import jwt from 'jsonwebtoken';

/** A browser's side of a Web Push subscription: what it registers, and its private key. */
export interface TestSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  ecdh: ECDH;
}

/** One RFC 8030 request as the push service took it, after checking VAPID and decrypting. */
export interface ReceivedPush {
  path: string;
  status: number;
  ttl: string | undefined;
  urgency: string | undefined;
  topic: string | undefined;
  /** The JWT's claims, once its ES256 signature checked out against the `k=` key. */
  claims: { aud: string; exp: number; sub: string };
  vapidPublicKey: string;
  /** The decrypted payload, parsed. */
  payload: Record<string, any>;
  bytes: number;
  /** performance.now() when it was taken (the bench's clock). */
  at: number;
}

/**
 * A push service of the test's own on loopback: it refuses a request whose VAPID JWT does not
 * verify (signature, `aud` = its origin, `exp` within 24 h, a `sub`) and decrypts the aes128gcm
 * body with the subscription's private key. Each subscription answers 201 unless told to
 * answer otherwise (`answer(sub, [503, 201])`: the next requests, in order).
 */
export class PushService {
  readonly received: ReceivedPush[] = [];
  readonly refused: string[] = [];
  /** Paths of requests that arrived, decrypted, before any hold or answer. */
  readonly arrived: string[] = [];
  private readonly subscriptions = new Map<string, TestSubscription>();
  private readonly answers = new Map<string, number[]>();
  private readonly heldUntil = new Map<string, Promise<void>>();
  private server!: Server;
  origin = '';

  static async start(): Promise<PushService> {
    const service = new PushService();
    service.server = createServer((req, res) => {
      void service.handle(req).then(
        (status) => res.writeHead(status).end(),
        (error: Error) => {
          service.refused.push(error.message);
          res.writeHead(400).end(error.message);
        },
      );
    });
    await new Promise<void>((resolve) => service.server.listen(0, '127.0.0.1', resolve));
    service.origin = `http://127.0.0.1:${(service.server.address() as AddressInfo).port}`;
    return service;
  }

  /** A new browser subscription at this service (register its endpoint and keys with the app). */
  subscribe(): TestSubscription {
    const ecdh = createECDH('prime256v1');
    const p256dh = ecdh.generateKeys().toString('base64url');
    const subscription = {
      endpoint: `${this.origin}/push/${randomUUID()}`,
      keys: { p256dh, auth: randomBytes(16).toString('base64url') },
      ecdh,
    };
    this.subscriptions.set(new URL(subscription.endpoint).pathname, subscription);
    return subscription;
  }

  answer(subscription: TestSubscription, statuses: number[]): void {
    this.answers.set(new URL(subscription.endpoint).pathname, [...statuses]);
  }

  /** The next request for it is held unanswered until the returned function is called. */
  hold(subscription: TestSubscription): () => void {
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    this.heldUntil.set(new URL(subscription.endpoint).pathname, released);
    return release;
  }

  for(subscription: TestSubscription): ReceivedPush[] {
    const path = new URL(subscription.endpoint).pathname;
    return this.received.filter((push) => push.path === path);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage): Promise<number> {
    const body = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
    const path = req.url ?? '';
    const subscription = this.subscriptions.get(path);
    if (req.method !== 'POST' || !subscription) {
      return 404;
    }
    const { claims, vapidPublicKey } = this.verifyVapid(req.headers.authorization);
    if (req.headers['content-encoding'] !== 'aes128gcm') {
      throw new Error(`content-encoding ${req.headers['content-encoding']}`);
    }
    const plain = ece.decrypt(body, {
      version: 'aes128gcm',
      privateKey: subscription.ecdh,
      authSecret: subscription.keys.auth,
    });
    this.arrived.push(path);
    const held = this.heldUntil.get(path);
    if (held) {
      this.heldUntil.delete(path);
      await held;
    }
    const status = this.answers.get(path)?.shift() ?? 201;
    this.received.push({
      path,
      status,
      ttl: header(req, 'ttl'),
      urgency: header(req, 'urgency'),
      topic: header(req, 'topic'),
      claims,
      vapidPublicKey,
      payload: JSON.parse(plain.toString('utf8')) as Record<string, any>,
      bytes: plain.length,
      at: performance.now(),
    });
    return status;
  }

  /** RFC 8292: `vapid t=<JWT>, k=<public key>`; the JWT is ES256 over that key. */
  private verifyVapid(authorization: string | undefined) {
    const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
    if (!match) {
      throw new Error(`no VAPID authorization: ${authorization}`);
    }
    const [, token, k] = match;
    const point = Buffer.from(k, 'base64url');
    const key = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33, 65).toString('base64url'),
      },
      format: 'jwk',
    });
    const claims = jwt.verify(token, key, { algorithms: ['ES256'], audience: this.origin }) as {
      aud: string;
      exp: number;
      sub: string;
    };
    if (claims.exp - Date.now() / 1000 > 24 * 3600) {
      throw new Error('exp more than 24 h ahead');
    }
    if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) {
      throw new Error('no sub');
    }
    return { claims, vapidPublicKey: k };
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
