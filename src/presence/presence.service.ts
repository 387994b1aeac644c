import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AppointmentsService } from '../appointments/appointments.service';
import { Clock } from '../common/clock';
import { Coalescer } from '../common/coalescer';
import { sql } from '../database/sql';
import type { Connection } from '../realtime/connection';
import { ConnectionRegistry } from '../realtime/connection-registry';
import { MAX_PAYLOAD_BYTES, PgBus } from '../realtime/pg-bus';
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
 * Users' statuses, computed by the database from every instance's state: offline without a
 * socket anywhere, `in_call` while admitted in a visit whose other side is admitted and
 * connected, otherwise what they chose (available by default). With what watchers were last
 * told (`announced`).
 */
const VIEWS_SQL = `
  SELECT u.id AS "userId",
         CASE
           WHEN NOT EXISTS (SELECT 1 FROM sockets s WHERE s.user_id = u.id) THEN 'offline'
           WHEN EXISTS (
             SELECT 1
               FROM visit_seats me
               JOIN visit_seats peer
                 ON peer.appointment_id = me.appointment_id AND peer.side <> me.side
              WHERE me.user_id = u.id
                AND me.admitted AND me.connection_id IS NOT NULL
                AND peer.admitted AND peer.connection_id IS NOT NULL) THEN 'in_call'
           ELSE coalesce(p.chosen, 'available')
         END AS status,
         p.last_seen_at AS "lastSeenAt",
         coalesce(p.announced, 'offline') AS announced
    FROM unnest($1::uuid[]) AS u (id)
    LEFT JOIN presence p ON p.user_id = u.id`;

/**
 * The same, recording each status as announced (and, with $2, the users as seen now), in one
 * statement; `announced` in the result is what had been announced before.
 */
const RECORD_SQL = `
  WITH v AS (${VIEWS_SQL}),
  saved AS (
    INSERT INTO presence (user_id, announced, last_seen_at)
    SELECT "userId", status, CASE WHEN $2 THEN now() END FROM v
    ON CONFLICT (user_id) DO UPDATE SET
      announced = EXCLUDED.announced,
      last_seen_at = CASE WHEN $2 THEN now() ELSE presence.last_seen_at END
    RETURNING user_id, last_seen_at)
  SELECT v."userId", v.status, saved.last_seen_at AS "lastSeenAt", v.announced
    FROM v JOIN saved ON saved.user_id = v."userId"`;

/**
 * Presence per user over all of their sockets on all instances. Each change is computed and
 * announced inside the transaction that made it, holding the user's lock, so announcements are
 * broadcast in the order the changes committed and watchers never see an older state last.
 * Seen only by people they share a visit with that is on or within 24 hours.
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
    private readonly appointments: AppointmentsService,
    private readonly bus: PgBus,
    private readonly clock: Clock,
    directory: SocketDirectory,
  ) {
    directory.onChange(async (manager, userIds) => {
      await this.announce(manager, userIds, { seen: true });
    });
    bus.on('televisit_presence', (payload) => {
      const announcement = JSON.parse(payload) as PresenceAnnouncement;
      void this.inTurn(() => this.deliver(announcement));
    });
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
   * Inside a transaction that changed these users' sockets, seats or choice: broadcasts the
   * status of each whose status changed since their watchers were last told. Answers every
   * user's status as recorded.
   */
  async announce(
    manager: EntityManager,
    userIds: string[],
    options: { seen?: boolean } = {},
  ): Promise<PresenceView[]> {
    const unique = [...new Set(userIds)];
    await lockUsers(manager, unique);
    const rows = await sql<PresenceView & { announced: PresenceStatus }>(manager, RECORD_SQL, [
      unique,
      options.seen ?? false,
    ]);
    const views = rows.map(toView);
    const changed = rows.filter((row) => row.status !== row.announced);
    if (changed.length === 0) {
      return views;
    }
    const contacts = await this.appointments.contactsOfAll(
      changed.map((row) => row.userId),
      this.clock.now(),
      manager,
    );
    const announcements: string[] = [];
    for (const row of changed) {
      const watchers = contacts.get(row.userId);
      if (!watchers) {
        continue; // nobody may see it
      }
      const view = toView(row);
      const announcement = JSON.stringify({ ...view, watchers });
      announcements.push(
        Buffer.byteLength(announcement) <= MAX_PAYLOAD_BYTES ? announcement : JSON.stringify(view),
      );
    }
    await this.bus.publishAll(manager, 'televisit_presence', announcements);
    return views;
  }

  private inTurn(task: () => Promise<void>): Promise<void> {
    const turn = this.deliveries.then(task);
    this.deliveries = turn.catch((error: unknown) =>
      this.logger.error({ err: error }, 'Presence delivery failed'),
    );
    return turn;
  }

  private async viewsOf(manager: EntityManager, userIds: string[]): Promise<PresenceView[]> {
    const rows = await sql<PresenceView>(manager, VIEWS_SQL, [userIds]);
    return rows.map(toView);
  }

  private async sendContacts(connections: Connection[]): Promise<void> {
    const manager = this.dataSource.manager;
    const contacts = await this.appointments.contactsOfAll(
      [...new Set(connections.map((connection) => connection.userId))],
      this.clock.now(),
      manager,
    );
    const everyone = [...new Set([...contacts.values()].flat())];
    if (everyone.length === 0) {
      return;
    }
    const views = new Map(
      (await this.viewsOf(manager, everyone)).map((view) => [view.userId, view]),
    );
    for (const connection of connections) {
      for (const contact of contacts.get(connection.userId) ?? []) {
        const view = views.get(contact);
        if (view) {
          connection.send('presence', view);
        }
      }
    }
  }

  /** Sends an announcement to the watchers with a socket on this instance. */
  private async deliver(announcement: PresenceAnnouncement): Promise<void> {
    const { watchers, ...view } = announcement;
    const to = watchers ?? (await this.appointments.contactsOf(view.userId, this.clock.now()));
    const frame = JSON.stringify({ event: 'presence', data: view });
    for (const watcher of to) {
      for (const connection of this.registry.forUser(watcher)) {
        connection.sendText(frame);
      }
    }
  }
}

function toView(row: PresenceView & { announced?: unknown }): PresenceView {
  const lastSeenAt = row.lastSeenAt as unknown;
  return {
    userId: row.userId,
    status: row.status,
    lastSeenAt:
      lastSeenAt instanceof Date ? lastSeenAt.toISOString() : ((lastSeenAt as string) ?? null),
  };
}
