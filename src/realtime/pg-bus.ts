import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { sql } from '../database/sql';
import { InstanceIdentity } from './instance-identity';
import { mailboxChannelOf } from './instance-identity';

export type BusChannel = 'televisit_notifications' | 'televisit_revocations' | 'televisit_presence';

/** A message from one instance to another; `kind` picks the handler. */
export interface InstanceMessage {
  kind: string;
}

const RECONNECT_DELAY_MS = 1000;
/** NOTIFY refuses payloads of 8000 bytes or more. */
export const MAX_PAYLOAD_BYTES = 7900;
/** Mailbox bodies up to this size ride inside the NOTIFY; larger ones are fetched by id. */
const MAX_INLINE_BODY_BYTES = 7800;

/**
 * Messages between instances over Postgres LISTEN/NOTIFY, on one listening connection per
 * instance that is re-established if the database restarts.
 *
 * - Broadcasts (`publish`) go to every instance, this one included. Published inside a
 *   transaction, they are delivered only if, and when, it commits.
 * - Direct messages (`send`) go to one instance's mailbox: a row in `instance_messages` plus a
 *   NOTIFY carrying its id (and the body, when it fits). Each instance sends through one
 *   connection of its own, so its messages commit, and arrive, in the order it sent them; they
 *   are handled one at a time in that order. After a listener reconnect the rows missed in the
 *   gap are read back, in order, before anything newer.
 */
@Injectable()
export class PgBus implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PgBus.name);
  private readonly handlers = new Map<BusChannel, ((payload: string) => void)[]>();
  private readonly messageHandlers = new Map<string, (message: never) => Promise<void> | void>();
  private readonly reconnectHandlers: ((lostAt: Date) => Promise<void> | void)[] = [];
  /** The last mailbox message handled from each sender (their ids rise in send order). */
  private readonly lastSeen = new Map<string, number>();
  private inbox: Promise<void> = Promise.resolve();
  private outbox: Promise<void> = Promise.resolve();
  private listener: Client | undefined;
  private publisher: Promise<Client> | undefined;
  private lostAt: Date | undefined;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly instance: InstanceIdentity,
  ) {}

  /** Registers a broadcast handler; call before the application has started. */
  on(channel: BusChannel, handler: (payload: string) => void): void {
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), handler]);
  }

  /** Registers the handler of one kind of direct message. */
  onMessage<T extends InstanceMessage>(
    kind: T['kind'],
    handler: (message: T) => Promise<void> | void,
  ): void {
    this.messageHandlers.set(kind, handler);
  }

  /** Runs after the listener came back from a gap, to catch up from the tables. */
  onReconnect(handler: (lostAt: Date) => Promise<void> | void): void {
    this.reconnectHandlers.push(handler);
  }

  /** Broadcasts `payload` on `channel` when `manager`'s transaction commits. */
  async publish(manager: EntityManager, channel: BusChannel, payload: string): Promise<void> {
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      throw new Error(`Bus payload on ${channel} is over ${MAX_PAYLOAD_BYTES} bytes`);
    }
    await manager.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  /**
   * Sends a message to one instance; resolves once it is committed to that mailbox. Sends run
   * one after another on this instance's publishing connection, so they commit in call order.
   */
  send<T extends InstanceMessage>(recipient: string, message: T): Promise<void> {
    const body = JSON.stringify(message);
    const inline = Buffer.byteLength(body) <= MAX_INLINE_BODY_BYTES ? body : '';
    const sent = this.outbox.then(async () => {
      const client = await this.publisherClient();
      await client.query(
        `WITH m AS (
           INSERT INTO instance_messages (recipient, sender, body) VALUES ($1, $2, $3)
           RETURNING id)
         SELECT pg_notify($4, m.id || $5) FROM m`,
        [
          recipient,
          this.instance.id,
          body,
          mailboxChannelOf(recipient),
          `:${this.instance.id}:${inline}`,
        ],
      );
    });
    this.outbox = sent.catch(() => undefined);
    return sent;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
  }

  /** Last of all: what the other modules sent while stopping (seats released) still goes out. */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.outbox;
    await this.listener?.end().catch(() => undefined);
    const publisher = await this.publisher?.catch(() => undefined);
    await publisher?.end().catch(() => undefined);
    await this.inbox;
  }

  private publisherClient(): Promise<Client> {
    if (!this.publisher) {
      const client = new Client({
        connectionString: this.config.databaseUrl,
        application_name: `televisit-publisher-${this.instance.id}`,
      });
      client.on('error', (error) => {
        this.logger.warn({ err: error }, 'Bus publisher lost its connection');
        this.publisher = undefined;
      });
      this.publisher = client.connect().then(
        () => client,
        (error: unknown) => {
          this.publisher = undefined;
          throw error;
        },
      );
    }
    return this.publisher;
  }

  private async listen(): Promise<void> {
    const client = new Client({
      connectionString: this.config.databaseUrl,
      application_name: `televisit-listener-${this.instance.id}`,
    });
    this.listener = client;
    client.on('notification', ({ channel, payload }) => {
      if (channel === this.instance.mailboxChannel) {
        this.enqueue(() => this.receive(payload ?? ''));
      } else {
        this.dispatch(channel as BusChannel, payload ?? '');
      }
    });
    client.on('error', (error) => {
      this.logger.warn({ err: error }, 'Bus listener lost its connection');
      this.lostAt ??= new Date();
      void client.end().catch(() => undefined);
      this.reconnectLater();
    });
    try {
      await client.connect();
      if (this.stopped) {
        await client.end();
        return;
      }
      for (const channel of [...this.handlers.keys(), this.instance.mailboxChannel]) {
        await client.query(`LISTEN ${channel}`);
      }
      const lostAt = this.lostAt;
      if (lostAt) {
        this.lostAt = undefined;
        this.logger.log('Bus listener is back; catching up');
        this.enqueue(() => this.catchUp(lostAt));
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'Bus listener could not connect');
      this.lostAt ??= new Date();
      this.reconnectLater();
    }
  }

  private dispatch(channel: BusChannel, payload: string): void {
    for (const handler of this.handlers.get(channel) ?? []) {
      try {
        handler(payload);
      } catch (error) {
        this.logger.error({ err: error, channel }, 'Bus handler failed');
      }
    }
  }

  /** Mailbox messages and catch-ups run one at a time, in arrival order. */
  private enqueue(task: () => Promise<void>): void {
    this.inbox = this.inbox.then(task).catch((error: unknown) => {
      this.logger.error({ err: error }, 'Mailbox message failed');
    });
  }

  private async receive(payload: string): Promise<void> {
    const [idText, sender, ...rest] = payload.split(':');
    const id = Number(idText);
    let body = rest.join(':');
    if (!body) {
      const [row] = await sql<{ body: string }>(
        this.dataSource.manager,
        'SELECT body FROM instance_messages WHERE id = $1',
        [id],
      );
      if (!row) {
        return;
      }
      body = row.body;
    }
    await this.handle(id, sender, body);
  }

  private async handle(id: number, sender: string, body: string): Promise<void> {
    if (id <= (this.lastSeen.get(sender) ?? 0)) {
      return;
    }
    this.lastSeen.set(sender, id);
    const message = JSON.parse(body) as InstanceMessage;
    const handler = this.messageHandlers.get(message.kind);
    if (!handler) {
      this.logger.warn({ kind: message.kind }, 'Mailbox message of an unknown kind');
      return;
    }
    try {
      await handler(message as never);
    } catch (error) {
      this.logger.error({ err: error, kind: message.kind }, 'Mailbox handler failed');
    }
  }

  /** Reads back, in order, what reached this mailbox while the listener was away. */
  private async catchUp(lostAt: Date): Promise<void> {
    const missed = await sql<{ id: string; sender: string; body: string }>(
      this.dataSource.manager,
      'SELECT id, sender, body FROM instance_messages WHERE recipient = $1 ORDER BY id',
      [this.instance.id],
    );
    for (const row of missed) {
      await this.handle(Number(row.id), row.sender, row.body);
    }
    for (const handler of this.reconnectHandlers) {
      try {
        await handler(lostAt);
      } catch (error) {
        this.logger.error({ err: error }, 'Catch-up after a listener reconnect failed');
      }
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
