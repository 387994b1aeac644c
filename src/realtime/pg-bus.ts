import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { Client } from 'pg';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

export type BusChannel = 'televisit_notifications' | 'televisit_revocations';

const RECONNECT_DELAY_MS = 1000;
/** NOTIFY refuses payloads of 8000 bytes or more. */
export const MAX_PAYLOAD_BYTES = 7900;

/**
 * Messages between instances over Postgres LISTEN/NOTIFY. Publishing inside a transaction
 * means the message is delivered only if, and when, that transaction commits, to every
 * instance (this one included). One listening connection per instance, re-established if the
 * database restarts.
 */
@Injectable()
export class PgBus implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PgBus.name);
  private readonly handlers = new Map<BusChannel, ((payload: string) => void)[]>();
  private client: Client | undefined;
  private stopped = false;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Registers a handler; call before the application has started. */
  on(channel: BusChannel, handler: (payload: string) => void): void {
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), handler]);
  }

  /** Sends `payload` on `channel` when `manager`'s transaction commits. */
  async publish(manager: EntityManager, channel: BusChannel, payload: string): Promise<void> {
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      throw new Error(`Bus payload on ${channel} is over ${MAX_PAYLOAD_BYTES} bytes`);
    }
    await manager.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.config.databaseUrl });
    this.client = client;
    client.on('notification', ({ channel, payload }) => {
      for (const handler of this.handlers.get(channel as BusChannel) ?? []) {
        try {
          handler(payload ?? '');
        } catch (error) {
          this.logger.error({ err: error, channel }, 'Bus handler failed');
        }
      }
    });
    client.on('error', (error) => {
      this.logger.warn({ err: error }, 'Bus listener lost its connection');
      void client.end().catch(() => undefined);
      this.reconnectLater();
    });
    try {
      await client.connect();
      if (this.stopped) {
        await client.end();
        return;
      }
      for (const channel of this.handlers.keys()) {
        await client.query(`LISTEN ${channel}`);
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'Bus listener could not connect');
      this.reconnectLater();
    }
  }

  private reconnectLater(): void {
    setTimeout(() => {
      if (!this.stopped) {
        void this.listen();
      }
    }, RECONNECT_DELAY_MS).unref();
  }
}
