import { performance } from 'node:perf_hooks';
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
import type { BusChannel } from './bus-channels';
import { BusMetrics } from './bus.metrics';
import { InstanceIdentity } from './instance-identity';
import { InstanceRegistry, MESSAGE_RETENTION_MS } from './instance-registry';

export type { BusChannel };

/** A message from one instance to another; `kind` picks the handler. */
export interface InstanceMessage {
  kind: string;
}

interface Outgoing {
  recipient: string;
  body: string;
  done: (error?: unknown) => void;
}

const RECONNECT_DELAY_MS = 1000;
/** NOTIFY refuses payloads of 8000 bytes or more (the database functions use the same limit). */
const MAX_PAYLOAD_BYTES = 7900;
/** Mailbox bodies up to this size ride inside the NOTIFY; larger ones are fetched by id. */
const MAX_INLINE_BODY_BYTES = 7800;
/** Sends waiting when a batch leaves go together in the next one, up to this many. */
const MAX_BATCH = 500;
/** What the liveness check sends to this instance's own mailbox channel. */
const PING = 'ping';

/**
 * Inserts a batch of mailbox messages in order and notifies each recipient's channel, in the
 * same order, with the row id, the sender and (when small enough) the body.
 */
const SEND_SQL = `
  WITH m AS (
    INSERT INTO instance_messages (recipient, sender, body)
    SELECT recipient, $3, body
      FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS t (recipient, body, n)
     ORDER BY n
    RETURNING id, recipient, body)
  SELECT count(pg_notify(
           'televisit_mailbox_' || replace(recipient::text, '-', ''),
           id || ':' || $3 || ':'
             || CASE WHEN octet_length(body) <= ${MAX_INLINE_BODY_BYTES} THEN body ELSE '' END))
    FROM (SELECT * FROM m ORDER BY id) AS ordered`;

/**
 * Messages between instances over Postgres LISTEN/NOTIFY, on one listening connection per
 * instance that is re-established if it drops (or silently dies: a ping to itself every
 * heartbeat must come back).
 *
 * - Broadcasts (`publish`) go to every instance, this one included. Published inside a
 *   transaction, they are delivered only if, and when, it commits.
 * - Direct messages (`send`) go to one instance's mailbox: a row in `instance_messages` plus a
 *   NOTIFY carrying its id (and the body, when it fits). Each instance sends through one
 *   connection of its own, in batches one after another, so its messages commit, and arrive,
 *   in the order it sent them; they are handled one at a time in that order.
 * - After a listener gap, the mailbox rows missed are read back in order and the catch-up
 *   handlers run (notifications, presence, revocations) before anything that arrived on the
 *   new connection is handled.
 */
@Injectable()
export class PgBus implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PgBus.name);
  private readonly handlers = new Map<BusChannel, ((payload: string) => void)[]>();
  private readonly messageHandlers = new Map<string, (message: never) => Promise<void> | void>();
  private readonly reconnectHandlers: ((lostAt: Date) => Promise<void> | void)[] = [];
  /** The last mailbox message taken up from each sender (their ids rise in send order). */
  private readonly lastSeen = new Map<string, number>();
  /** The last one whose handler has finished, from each sender: reported with the heartbeat. */
  private readonly handled = new Map<string, number>();
  /** When (Date.now()) each sender was last heard from. */
  private readonly heardAt = new Map<string, number>();
  /** Mailbox rows this instance gave away while stopping (`takeUnhandled`): not handled here. */
  private readonly givenAway = new Set<number>();
  private inbox: Promise<void> = Promise.resolve();
  private listener: Client | undefined;
  private lostAt: Date | undefined;
  /** Notifications that arrived on a new listener while the gap before it is caught up. */
  private held: { channel: string; payload: string }[] | undefined;
  private pingOutstanding = false;
  /** When (performance.now()) the outstanding ping was sent. */
  private pingSentAt = 0;
  /** LISTENing on every channel, with any gap before caught up. */
  private listening = false;
  private readonly outgoing: Outgoing[] = [];
  private flushing: Promise<void> | undefined;
  private publisher: Promise<Client> | undefined;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly instance: InstanceIdentity,
    private readonly metrics: BusMetrics,
    instances: InstanceRegistry,
  ) {
    instances.onBeat(() => this.checkListener());
    instances.reportMailboxProgress(() => Object.fromEntries(this.handled));
  }

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

  /**
   * Runs after the listener came back from a gap, to catch up from the tables; broadcasts on
   * the new connection wait until every such handler has finished.
   */
  onReconnect(handler: (lostAt: Date) => Promise<void> | void): void {
    this.reconnectHandlers.push(handler);
  }

  /**
   * True while every broadcast committed now will be heard: the listener is up and caught up.
   * (A listener that died silently is only noticed by the next heartbeat's ping.)
   */
  get hearing(): boolean {
    return this.listening && this.held === undefined;
  }

  /**
   * Broadcasts `payload` on `channel` when `manager`'s transaction commits. (Presence is
   * broadcast by the database itself: `presence_announce`.)
   */
  async publish(manager: EntityManager, channel: BusChannel, payload: string): Promise<void> {
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      throw new Error(`Bus payload on ${channel} is over ${MAX_PAYLOAD_BYTES} bytes`);
    }
    await manager.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  /** Sends a message to one instance; resolves once it is committed to that mailbox. */
  send<T extends InstanceMessage>(recipient: string, message: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.outgoing.push({
        recipient,
        body: JSON.stringify(message),
        done: (error) => (error ? reject(toError(error)) : resolve()),
      });
      this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
    });
  }

  /**
   * Inside the transaction releasing instances (dead, or this one stopping): takes the messages
   * of `kind` in their mailboxes that they may never have handled (past the progress they last
   * reported; this instance's own, as it stands now), in the order sent. Those `keep` accepts
   * are deleted and answered; nobody will handle them but the caller.
   */
  async takeUnhandled<T extends InstanceMessage>(
    manager: EntityManager,
    recipients: string[],
    kind: T['kind'],
    keep: (message: T) => boolean,
  ): Promise<T[]> {
    const self = recipients.includes(this.instance.id);
    if (self) {
      await sql(manager, 'UPDATE instances SET mailbox_handled = $2 WHERE id = $1', [
        this.instance.id,
        JSON.stringify(Object.fromEntries(this.handled)),
      ]);
    }
    const rows = await sql<{ id: string; body: string }>(
      manager,
      `SELECT m.id, m.body FROM instance_messages m JOIN instances i ON i.id = m.recipient
        WHERE m.recipient = ANY($1)
          AND m.id > coalesce((i.mailbox_handled ->> m.sender::text)::bigint, 0)
          AND m.body::jsonb ->> 'kind' = $2
        ORDER BY m.id`,
      [recipients, kind],
    );
    const kept = rows
      .map((row) => ({ id: Number(row.id), message: JSON.parse(row.body) as T }))
      .filter((row) => keep(row.message));
    if (kept.length === 0) {
      return [];
    }
    await sql(manager, 'DELETE FROM instance_messages WHERE id = ANY($1)', [
      kept.map((row) => row.id),
    ]);
    if (self) {
      // Still arriving here (the listener is up until the end): they must not be handled twice.
      kept.forEach((row) => this.givenAway.add(row.id));
    }
    return kept.map((row) => row.message);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
  }

  /** Last of all: what the other modules sent while stopping (seats released) still goes out. */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.flushing;
    await this.listener?.end().catch(() => undefined);
    const publisher = await this.publisher?.catch(() => undefined);
    await publisher?.end().catch(() => undefined);
    await this.inbox;
  }

  /** Sends what is waiting, a batch at a time, until nothing is. */
  private async flush(): Promise<void> {
    while (this.outgoing.length > 0) {
      const batch = this.outgoing.splice(0, MAX_BATCH);
      try {
        const client = await this.publisherClient();
        await client.query(SEND_SQL, [
          batch.map((m) => m.recipient),
          batch.map((m) => m.body),
          this.instance.id,
        ]);
        batch.forEach((m) => m.done());
      } catch (error) {
        this.logger.warn({ err: error }, 'Could not send to other instances');
        this.dropPublisher();
        batch.forEach((m) => m.done(error));
      }
    }
  }

  private publisherClient(): Promise<Client> {
    if (!this.publisher) {
      const client = new Client({
        connectionString: this.config.databaseUrl,
        application_name: `televisit-publisher-${this.instance.id}`,
        keepAlive: true,
        // A send that hangs (a dead connection nobody reset) fails, and the next one reconnects.
        query_timeout: 10_000,
        // Mailbox rows live minutes and only matter while both instances run: a send does not
        // wait for the disk (a database crash may lose the last milliseconds of messages, as it
        // would close every socket anyway).
        options: '-c synchronous_commit=off',
      });
      const forget = () => {
        if (this.publisher === connecting) {
          this.publisher = undefined;
        }
        void client.end().catch(() => undefined);
      };
      client.on('error', (error) => {
        this.logger.warn({ err: error }, 'Bus publisher lost its connection');
        forget();
      });
      const connecting = client.connect().then(
        () => client,
        (error: unknown) => {
          forget();
          throw error;
        },
      );
      this.publisher = connecting;
    }
    return this.publisher;
  }

  /** After a failed send (a timeout leaves the connection unusable), the next one reconnects. */
  private dropPublisher(): void {
    const publisher = this.publisher;
    this.publisher = undefined;
    void publisher?.then((client) => client.end()).catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new Client({
      connectionString: this.config.databaseUrl,
      application_name: `televisit-listener-${this.instance.id}`,
      keepAlive: true,
    });
    this.listener = client;
    this.pingOutstanding = false;
    client.on('notification', ({ channel, payload }) => {
      if (this.held) {
        this.held.push({ channel, payload: payload ?? '' });
      } else {
        this.route(channel, payload ?? '');
      }
    });
    client.on('error', (error) => this.lost(client, error));
    try {
      await client.connect();
      if (this.stopped) {
        await client.end();
        return;
      }
      const lostAt = this.lostAt;
      if (lostAt) {
        this.held = [];
      }
      for (const channel of [...this.handlers.keys(), this.instance.mailboxChannel]) {
        await client.query(`LISTEN ${channel}`);
      }
      this.listening = true;
      if (lostAt) {
        this.lostAt = undefined;
        this.logger.log('Bus listener is back; catching up');
        this.enqueue(async () => {
          await this.catchUp(lostAt);
          const held = this.held ?? [];
          this.held = undefined;
          held.forEach(({ channel, payload }) => this.route(channel, payload));
        });
      }
    } catch (error) {
      this.lost(client, error);
    }
  }

  /** The listener is gone (or useless): drop it and reconnect once, a second later. */
  private lost(client: Client, error: unknown): void {
    if (this.listener !== client) {
      return;
    }
    this.listener = undefined;
    this.listening = false;
    this.logger.warn({ err: error }, 'Bus listener lost its connection');
    this.lostAt ??= new Date();
    this.held = undefined;
    void client.end().catch(() => undefined);
    setTimeout(() => {
      if (!this.stopped) {
        void this.listen();
      }
    }, RECONNECT_DELAY_MS).unref();
  }

  /**
   * Each heartbeat pings this instance's own channel through the pool; if the previous ping
   * never came back, the listener is dead without having said so (a dropped idle connection).
   * Also forgets senders not heard from for longer than their messages are kept (a sender
   * forgotten sooner would have its rows handled again by a catch-up).
   */
  private async checkListener(): Promise<void> {
    const listener = this.listener;
    if (!listener || this.held) {
      return;
    }
    if (this.pingOutstanding) {
      this.lost(listener, new Error('the listener stopped hearing its own pings'));
      return;
    }
    this.pingOutstanding = true;
    this.pingSentAt = performance.now();
    await sql(this.dataSource.manager, 'SELECT pg_notify($1, $2)', [
      this.instance.mailboxChannel,
      PING,
    ]);
    const forgetBefore = Date.now() - 2 * MESSAGE_RETENTION_MS;
    for (const [sender, at] of this.heardAt) {
      if (at < forgetBefore) {
        this.heardAt.delete(sender);
        this.lastSeen.delete(sender);
        this.handled.delete(sender);
      }
    }
  }

  private route(channel: string, payload: string): void {
    if (channel !== this.instance.mailboxChannel) {
      this.dispatch(channel as BusChannel, payload);
    } else if (payload === PING) {
      if (this.pingOutstanding) {
        this.metrics.heardAfter((performance.now() - this.pingSentAt) / 1000);
      }
      this.pingOutstanding = false;
    } else {
      this.enqueue(() => this.receive(payload));
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
    this.heardAt.set(sender, Date.now());
    try {
      if (!this.givenAway.delete(id)) {
        await this.dispatchMessage(body);
      }
    } finally {
      this.handled.set(sender, id);
    }
  }

  private async dispatchMessage(body: string): Promise<void> {
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
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
