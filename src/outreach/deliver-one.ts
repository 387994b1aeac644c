import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DeliveryMetrics } from '../notifications/delivery.metrics';
import type { NotificationView } from '../notifications/notification.entity';
import { UsersService } from '../users/users.service';
import {
  ClaimedDelivery,
  DeliveriesRepository,
  DeliveryContext,
  Outcome,
} from './deliveries.repository';
import { MAX_ATTEMPTS, retryDelayMs, SendResult } from './delivery-failure';
import { emailMessage } from './email-message';
import { EmailSender } from './email-sender';
import type { NotificationPreferences } from './notification-preferences.service';
import { PushSender } from './push-sender';
import { pushMessage } from './push-message';
import { PushSubscriptionsService } from './push-subscriptions.service';
import { mayBeHeld, quietUntil } from './quiet-hours';
import { VapidKeys } from './vapid-keys';

/**
 * One claimed job: decides whether it still needs to go (unread, channel on, nobody online for
 * push), holds it through quiet hours, sends it, and records what happened.
 */
@Injectable()
export class DeliverOne {
  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly subscriptions: PushSubscriptionsService,
    private readonly users: UsersService,
    private readonly push: PushSender,
    private readonly email: EmailSender,
    private readonly vapidKeys: VapidKeys,
    private readonly metrics: DeliveryMetrics,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async run(job: ClaimedDelivery, worker: string): Promise<void> {
    const outcome = await this.decideAndSend(job, worker);
    if (outcome) {
      await this.deliveries.record(job, worker, outcome);
      if (outcome.status !== 'pending') {
        this.metrics.delivered(job.channel, outcome.status);
      }
    }
  }

  /** Undefined: the lease was lost before sending, so another worker owns the job now. */
  private async decideAndSend(job: ClaimedDelivery, worker: string): Promise<Outcome | undefined> {
    const context = await this.deliveries.context(job);
    if (!context) {
      return { status: 'skipped', error: 'GONE' };
    }
    const { notification, preferences } = context;
    // Read already (on any device): nothing left to tell. This is how reading cancels the email.
    if (notification.readAt) {
      return { status: 'skipped', error: 'READ' };
    }
    if (!preferences[job.channel]) {
      return { status: 'skipped', error: 'TURNED_OFF' };
    }
    if (job.channel === 'push' && context.online) {
      await this.deliveries.recordSocket(job.notificationId, job.userId);
      return { status: 'skipped', error: 'ONLINE' };
    }
    const heldUntil = mayBeHeld(notification.type, notification.data)
      ? quietUntil(this.clock.now(), preferences.timeZone, preferences.quietHours)
      : undefined;
    if (heldUntil) {
      return { status: 'held', dueAt: heldUntil };
    }
    const send =
      job.channel === 'push'
        ? this.preparePush(context)
        : await this.prepareEmail(job, notification, preferences);
    if ('status' in send) {
      return send;
    }
    if (!(await this.deliveries.beginSend(job, worker))) {
      return undefined;
    }
    return this.outcomeOf(job, await send());
  }

  private preparePush({
    notification,
    preferences,
    subscriptions,
  }: DeliveryContext): Outcome | (() => Promise<SendResult>) {
    const vapid = this.vapidKeys.vapid;
    if (!vapid || subscriptions.length === 0) {
      return { status: 'skipped', error: 'NO_SUBSCRIPTION' };
    }
    const message = pushMessage(notification, preferences.timeZone, this.appUrl());
    return async () => {
      const results = await Promise.all(
        subscriptions.map(async (subscription) => {
          const result = await this.push.send(subscription, message, vapid);
          if (result === 'gone') {
            await this.subscriptions.expire(subscription.id);
          }
          return result;
        }),
      );
      const sent = results.find((r) => r !== 'gone' && r.kind === 'sent');
      const temporary = results.find((r) => r !== 'gone' && r.kind === 'temporary');
      const permanent = results.find((r) => r !== 'gone' && r.kind === 'permanent');
      return sent ?? temporary ?? permanent ?? { kind: 'permanent', error: 'SUBSCRIPTIONS_GONE' };
    };
  }

  private async prepareEmail(
    job: ClaimedDelivery,
    notification: NotificationView,
    preferences: NotificationPreferences,
  ): Promise<Outcome | (() => Promise<SendResult>)> {
    const { email: to } = await this.users.findView(job.userId);
    const appointmentId = notification.data.appointmentId;
    const sequence =
      typeof appointmentId === 'string'
        ? await this.deliveries.changesBefore(job.userId, appointmentId, notification.createdAt)
        : 0;
    const message = emailMessage(notification, {
      timeZone: preferences.timeZone,
      appUrl: this.appUrl(),
      to,
      from: this.config.outreach.mailFrom,
      sequence,
    });
    return () => this.email.send(to, message);
  }

  private outcomeOf(job: ClaimedDelivery, result: SendResult): Outcome {
    switch (result.kind) {
      case 'sent':
        return { status: 'sent' };
      case 'permanent':
        // Every subscription answered 404/410 and was let go: nobody left to push to.
        return result.error === 'SUBSCRIPTIONS_GONE'
          ? { status: 'skipped', error: result.error }
          : { status: 'failed', error: result.error };
      case 'temporary':
        if (job.attempts >= MAX_ATTEMPTS) {
          return { status: 'failed', error: result.error };
        }
        return {
          status: 'pending',
          error: result.error,
          dueAt: new Date(
            this.clock.now().getTime() +
              retryDelayMs(job.attempts, this.config.outreach.retryBaseMs),
          ),
        };
    }
  }

  private appUrl(): string {
    return this.config.publicUrl ?? `http://localhost:${this.config.port}`;
  }
}
