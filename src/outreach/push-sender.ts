import { Injectable } from '@nestjs/common';
import webpush from 'web-push';
import { networkFailure, pushStatusResult, SendResult } from './delivery-failure';
import type { PushMessage } from './push-message';
import type { PushSubscriptionRow } from './push-subscriptions.service';
import type { Vapid } from './vapid-keys';

const SEND_TIMEOUT_MS = 15_000;

/**
 * One RFC 8030 request. web-push does the RFC 8291 encryption and the RFC 8292 VAPID header;
 * the request itself goes with fetch, because web-push's own sender speaks https only and a
 * development push service may be loopback http.
 */
@Injectable()
export class PushSender {
  async send(
    subscription: PushSubscriptionRow,
    message: PushMessage,
    vapid: Vapid,
  ): Promise<SendResult | 'gone'> {
    const request = webpush.generateRequestDetails(
      {
        endpoint: subscription.endpoint,
        keys: { p256dh: subscription.p256dh, auth: subscription.auth },
      },
      message.payload,
      {
        vapidDetails: vapid,
        TTL: message.ttlSeconds,
        urgency: message.urgency,
        ...(message.topic ? { topic: message.topic } : {}),
        contentEncoding: 'aes128gcm',
      },
    );
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
    );
    try {
      const response = await fetch(request.endpoint, {
        method: request.method,
        headers,
        body: new Uint8Array(request.body),
        redirect: 'error',
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
      await response.arrayBuffer().catch(() => undefined);
      return pushStatusResult(response.status);
    } catch (error) {
      return networkFailure(error, 'PUSH');
    }
  }
}
