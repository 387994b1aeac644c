import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { CONTACT_HORIZON } from '../appointments/contacts';
import { ContactsService } from '../appointments/contacts.service';
import { Clock } from '../common/clock';
import { Coalescer } from '../common/coalescer';
import { sql } from '../database/sql';
import type { Connection } from '../realtime/connection';
import { ConnectionRegistry } from '../realtime/connection-registry';
import { ContactsChannel } from '../realtime/contacts-channel';
import { PgBus } from '../realtime/pg-bus';
import { SocketDirectory } from '../realtime/socket-directory';
import { lockUsers } from '../realtime/user-locks';
import type { ChosenStatus } from './dto/set-presence.dto';

export type PresenceStatus = ChosenStatus | 'in_call' | 'offline';

export interface PresenceView {
  userId: string;
  status: PresenceStatus;
  lastSeenAt: string | null;
}

/** A status change, broadcast to every instance; `watchers` is left out when it would not fit. */
interface PresenceAnnouncement extends PresenceView {
  watchers?: string[];
}

/**
 * Presence per user over all of their sockets on all instances. Each change is computed and
 * announced inside the transaction that made it, holding the user's lock, so announcements are
 * broadcast in the order the changes committed and watchers never see an older state last.
 * Seen only by people they share a visit with that is on or within 24 hours. The rules are
 * database functions (`presence_status`, `presence_announce`, `appointment_contacts`: migration
 * 6), so that the socket directory can apply them in the same statement as a socket change.
 */
@Injectable()
export class PresenceService {
  private readonly logger = new Logger(PresenceService.name);
  /** Deliveries run in broadcast order, even when one must look up its watchers. */
  private deliveries: Promise<void> = Promise.resolve();
  /** Sockets opened together learn their contacts' presence together. */
  private readonly newSockets = new Coalescer<Connection, void>(async (connections) => {
    await this.inTurn(() => this.sendContacts(connections));
    return connections.map(() => ({ ok: true, value: undefined }));
  });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: ConnectionRegistry,
    private readonly contacts: ContactsService,
    private readonly bus: PgBus,
    private readonly clock: Clock,
    directory: SocketDirectory,
    introductions: ContactsChannel,
  ) {
    directory.onChange(async (manager, userIds) => {
      await this.announce(manager, userIds, { seen: true });
    });
    bus.on('televisit_presence', (payload) => {
      const announcement = JSON.parse(payload) as PresenceAnnouncement;
      void this.inTurn(() => this.deliver(announcement));
    });
    // People who have just become contacts (a visit booked, moved or come within 24 hours)
    // learn each other's presence, in turn with the announcements.
    introductions.on((userIds) => void this.inTurn(() => this.introduce(userIds)));
    // Announcements broadcast while the listener was away are lost: every socket here gets
    // its contacts' current state again.
    bus.onReconnect(() =>
      this.inTurn(async () => {
        await this.sendContacts(this.registry.all());
      }),
    );
  }

  /**
   * A new socket learns its contacts' presence (the socket itself was counted at the upgrade).
   * In turn with announcements, so an older snapshot never lands after a newer change.
   */
  connected(connection: Connection): Promise<void> {
    return this.newSockets.add(connection);
  }

  async choose(userId: string, status: ChosenStatus): Promise<PresenceView> {
    return this.dataSource.transaction(async (manager) => {
      await lockUsers(manager, [userId]);
      await sql(
        manager,
        `INSERT INTO presence (user_id, chosen) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET chosen = $2`,
        [userId, status],
      );
      const [view] = await this.announce(manager, [userId], { seen: true });
      return view;
    });
  }

  /**
   * Inside a transaction that changed these users' sockets, seats or choice: records their
   * statuses and broadcasts each that changed since their watchers were last told
   * (`presence_announce`, in the database, which the socket directory also calls). Answers
   * every user's status as recorded.
   */
  async announce(
    manager: EntityManager,
    userIds: string[],
    options: { seen?: boolean } = {},
  ): Promise<PresenceView[]> {
    const unique = [...new Set(userIds)];
    await lockUsers(manager, unique);
    return sql<PresenceView>(
      manager,
      `SELECT user_id AS "userId", status, last_seen_at AS "lastSeenAt"
         FROM presence_announce($1, $2, $3, $4)`,
      [unique, options.seen ?? false, this.clock.now(), CONTACT_HORIZON],
    );
  }

  private inTurn(task: () => Promise<void>): Promise<void> {
    const turn = this.deliveries.then(task);
    this.deliveries = turn.catch((error: unknown) =>
      this.logger.error({ err: error }, 'Presence delivery failed'),
    );
    return turn;
  }

  /** The sockets here of the users named learn the presence of their contacts among them. */
  private async introduce(userIds: string[]): Promise<void> {
    const connections = userIds.flatMap((userId) => this.registry.forUser(userId));
    if (connections.length > 0) {
      await this.sendContacts(connections, userIds);
    }
  }

  /**
   * Each socket learns the status of each of its user's contacts (only those `among`, when
   * given), one query for them all.
   */
  private async sendContacts(connections: Connection[], among?: string[]): Promise<void> {
    const rows = await sql<PresenceView & { watcher: string }>(
      this.dataSource.manager,
      `WITH c AS (SELECT * FROM appointment_contacts($1, $2, $3)
                   WHERE $4::uuid[] IS NULL OR contact = ANY($4))
       SELECT c.user_id AS watcher, v.user_id AS "userId", v.status,
              iso_time(v.last_seen_at) AS "lastSeenAt"
         FROM c JOIN presence_status(ARRAY(SELECT DISTINCT contact FROM c)) v
           ON v.user_id = c.contact`,
      [
        [...new Set(connections.map((connection) => connection.userId))],
        this.clock.now(),
        CONTACT_HORIZON,
        among ?? null,
      ],
    );
    const byWatcher = new Map<string, PresenceView[]>();
    for (const { watcher, ...view } of rows) {
      const views = byWatcher.get(watcher) ?? [];
      byWatcher.set(watcher, views);
      views.push(view);
    }
    for (const connection of connections) {
      for (const view of byWatcher.get(connection.userId) ?? []) {
        connection.send('presence', view);
      }
    }
  }

  /** Sends an announcement to the watchers with a socket on this instance. */
  private async deliver(announcement: PresenceAnnouncement): Promise<void> {
    const { watchers, ...view } = announcement;
    const to = watchers ?? (await this.contacts.contactsOf(view.userId, this.clock.now()));
    const frame = JSON.stringify({ event: 'presence', data: view });
    for (const watcher of to) {
      for (const connection of this.registry.forUser(watcher)) {
        connection.sendText(frame);
      }
    }
  }
}
