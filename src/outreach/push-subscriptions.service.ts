import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { sql } from '../database/sql';
import type { CreatePushSubscriptionDto } from './dto/push-subscription.dto';
import { OUTREACH_ERRORS } from './outreach.errors';
import { pushSubscriptionProblem } from './push-endpoint';
import { VapidKeys } from './vapid-keys';

/** A user's devices beyond this many: the oldest subscriptions are let go. */
export const MAX_SUBSCRIPTIONS_PER_USER = 20;

export interface PushSubscriptionRow {
  id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** Web Push subscriptions, one per browser (its endpoint). */
@Injectable()
export class PushSubscriptionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly vapidKeys: VapidKeys,
  ) {}

  publicKey(): string {
    if (!this.vapidKeys.vapid) {
      throw OUTREACH_ERRORS.pushNotConfigured();
    }
    return this.vapidKeys.vapid.publicKey;
  }

  /** Subscribing a known endpoint again (new keys, or another user on that browser) moves it. */
  async add(userId: string, dto: CreatePushSubscriptionDto): Promise<{ id: string }> {
    this.publicKey();
    const problem = pushSubscriptionProblem(
      dto.endpoint,
      dto.keys,
      this.config.outreach.loopbackPushEndpoints,
    );
    if (problem) {
      throw OUTREACH_ERRORS.invalidSubscription(problem);
    }
    return this.dataSource.transaction(async (manager) => {
      const [row] = await sql<{ id: string }>(
        manager,
        `INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth) VALUES ($1, $2, $3, $4)
         ON CONFLICT (endpoint) DO UPDATE SET user_id = EXCLUDED.user_id,
                p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth, created_at = now()
         RETURNING id`,
        [userId, dto.endpoint, dto.keys.p256dh, dto.keys.auth],
      );
      await manager.query(
        `DELETE FROM push_subscriptions WHERE user_id = $1 AND id NOT IN (
           SELECT id FROM push_subscriptions WHERE user_id = $1
            ORDER BY created_at DESC LIMIT $2)`,
        [userId, MAX_SUBSCRIPTIONS_PER_USER],
      );
      return { id: row.id };
    });
  }

  async remove(userId: string, id: string): Promise<void> {
    const gone = await sql<{ id: string }>(
      this.dataSource.manager,
      `DELETE FROM push_subscriptions WHERE id = $1 AND user_id = $2 RETURNING id`,
      [id, userId],
    );
    if (gone.length === 0) {
      throw OUTREACH_ERRORS.subscriptionNotFound();
    }
  }

  forUser(userId: string): Promise<PushSubscriptionRow[]> {
    return sql<PushSubscriptionRow>(
      this.dataSource.manager,
      `SELECT id, endpoint, p256dh, auth FROM push_subscriptions WHERE user_id = $1`,
      [userId],
    );
  }

  /** The push service said the subscription is gone (404/410). */
  async expire(id: string): Promise<void> {
    await this.dataSource.manager.query(`DELETE FROM push_subscriptions WHERE id = $1`, [id]);
  }
}
