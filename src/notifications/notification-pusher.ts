import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { Client } from 'pg';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ConnectionRegistry } from '../realtime/connection-registry';
import { NotificationsService } from './notifications.service';

const CHANNEL = 'televisit_notifications';
const RECONNECT_DELAY_MS = 1000;

/**
 * Pushes each committed notification to every socket of its recipient on this instance. It
 * LISTENs for the id the database announces on commit (see the notifications migration), so a
 * crash between commit and push loses nothing: the inbox and `notifications.sync` have it.
 */
@Injectable()
export class NotificationPusher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(NotificationPusher.name);
  private client: Client | undefined;
  private stopped = false;

  constructor(
    private readonly notifications: NotificationsService,
    private readonly registry: ConnectionRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

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
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) {
        void this.push(message.payload);
      }
    });
    // A dropped listener (database restart) is re-established.
    client.on('error', (error) => {
      this.logger.warn({ err: error }, 'Notification listener lost its connection');
      void client.end().catch(() => undefined);
      this.reconnectLater();
    });
    try {
      await client.connect();
      if (this.stopped) {
        await client.end();
        return;
      }
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      this.logger.warn({ err: error }, 'Notification listener could not connect');
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

  private async push(id: string): Promise<void> {
    const recipients = this.registry;
    const found = await this.notifications.findForPush(id).catch(() => undefined);
    if (!found) {
      return;
    }
    const connections = recipients.forUser(found.userId);
    if (connections.length === 0) {
      return;
    }
    const frame = JSON.stringify({ event: 'notification', data: found.view });
    for (const connection of connections) {
      connection.sendText(frame);
    }
  }
}
