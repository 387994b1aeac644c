import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Slots } from '../common/slots';
import { sql } from '../database/sql';
import { PresenceService } from '../presence/presence.service';
import { asAbsent, readSeats, SeatRow, seatOf, writeSeat } from './seat-rows';
import type { RoomSnapshot, Seat, Seats } from './visit-room';

/**
 * Turns of their own for keeping signals for a reconnecting participant: a relay (and the
 * instance mailbox it may hold up) never waits behind such a crowd.
 */
const SIGNAL_KEEPS_AT_ONCE = 2;

/**
 * The SET of an UPDATE of `visit_seats s` that makes seats absent: their grace starts now, at
 * the statement's time (after any lock waits), or goes on if it had started.
 */
const SET_ABSENT = `SET instance_id = NULL, connection_id = NULL,
              disconnected_at = coalesce(s.disconnected_at, statement_timestamp())`;

/** A seat as held by one socket. */
export interface HeldSeat {
  appointmentId: string;
  userId: string;
  connectionId: string;
}

/** A change of many visits' seats at once (`RoomStore.changeSeatsWithin`). */
interface SeatsChange {
  appointmentIds: string[];
  /** A statement returning the `appointment_id` and `user_id` of each seat it changed. */
  statement: string;
  params: unknown[];
  /** What became of a changed seat: itself changed, or gone. */
  after: (seat: Seat) => Seat | undefined;
}

/** A committed change of one visit's seats. */
export interface RoomChange<T> {
  before: RoomSnapshot;
  after: RoomSnapshot;
  result: T;
}

/**
 * The visit rooms in the database, shared by every instance. Each change runs in a
 * transaction holding the visit's row in `visit_rooms`, so changes to one visit happen one at a
 * time whichever instance makes them, and each gets the next version. Presence (`in_call`) is
 * recomputed in the same transaction.
 */
@Injectable()
export class RoomStore {
  /**
   * Visit changes running at once on an instance: at most half the pool. A burst of them (a
   * thousand patients resuming after a network blip) waits here instead of in the pool's queue,
   * so the rest of the service (REST requests, logins, socket changes) still gets a connection.
   */
  private readonly turns: { change: Slots; signal: Slots };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly presence: PresenceService,
  ) {
    this.turns = {
      change: new Slots(Math.max(1, Math.floor(config.database.poolSize / 2))),
      signal: new Slots(SIGNAL_KEEPS_AT_ONCE),
    };
  }

  /**
   * Runs `apply` on the visit's seats (which it may change) and stores the result. `turn`:
   * 'signal' when the change only keeps or forwards a relayed signal (see SIGNAL_KEEPS_AT_ONCE).
   */
  change<T>(
    appointmentId: string,
    apply: (seats: Seats, manager: EntityManager) => Promise<T> | T,
    turn: keyof RoomStore['turns'] = 'change',
  ): Promise<RoomChange<T>> {
    return this.turns[turn].run(() =>
      this.dataSource.transaction(async (manager) => {
        const [{ version }] = await sql<{ version: string }>(
          manager,
          `INSERT INTO visit_rooms (appointment_id, version) VALUES ($1, 1)
           ON CONFLICT (appointment_id) DO UPDATE SET version = visit_rooms.version + 1
           RETURNING version`,
          [appointmentId],
        );
        const before: RoomSnapshot = {
          appointmentId,
          version: Number(version) - 1,
          seats: await readSeats(manager, appointmentId),
        };
        const seats = structuredClone(before.seats);
        const result = await apply(seats, manager);
        const users = [...new Set([...Object.keys(before.seats), ...Object.keys(seats)])];
        for (const userId of users) {
          await writeSeat(manager, appointmentId, userId, before.seats[userId], seats[userId]);
        }
        await this.presence.announce(manager, users);
        return { before, after: { appointmentId, version: Number(version), seats }, result };
      }),
    );
  }

  /**
   * Marks seats absent whose socket is gone, many visits in one transaction: each seat still
   * held by its socket is emptied, its grace starting then (the database's clock). A seat another
   * socket holds by now is left alone. Answers the visits that changed, with the seats that
   * went absent (as they were).
   */
  markAbsent(seats: HeldSeat[]): Promise<RoomChange<Seat[]>[]> {
    return this.changeSeats({
      appointmentIds: seats.map((seat) => seat.appointmentId),
      statement: `UPDATE visit_seats s ${SET_ABSENT}
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS g (appointment_id, user_id, connection_id)
        WHERE s.appointment_id = g.appointment_id AND s.user_id = g.user_id
          AND s.connection_id = g.connection_id
       RETURNING s.appointment_id, s.user_id`,
      params: [
        seats.map((seat) => seat.appointmentId),
        seats.map((seat) => seat.userId),
        seats.map((seat) => seat.connectionId),
      ],
      after: asAbsent,
    });
  }

  /**
   * Ends the grace of absent seats, many visits in one transaction: each seat still absent and
   * past the grace period (by the database's clock) is given up. A participant who came back
   * meanwhile keeps their seat. Answers the visits that changed, with the seats given up.
   */
  expire(seats: { appointmentId: string; userId: string }[]): Promise<RoomChange<Seat[]>[]> {
    return this.changeSeats({
      appointmentIds: seats.map((seat) => seat.appointmentId),
      statement: `DELETE FROM visit_seats s
        USING unnest($1::uuid[], $2::uuid[]) AS g (appointment_id, user_id)
        WHERE s.appointment_id = g.appointment_id AND s.user_id = g.user_id
          AND s.connection_id IS NULL
          AND s.disconnected_at < now() - make_interval(secs => $3)
       RETURNING s.appointment_id, s.user_id`,
      params: [
        seats.map((seat) => seat.appointmentId),
        seats.map((seat) => seat.userId),
        this.config.visits.resumeGraceSeconds,
      ],
      after: () => undefined,
    });
  }

  /**
   * Inside the transaction releasing instances (stopped, or this one stopping), which holds
   * these visits' rooms and their users: the seats held on those instances are absent.
   */
  vacateInstances(
    manager: EntityManager,
    appointmentIds: string[],
    instanceIds: string[],
  ): Promise<RoomChange<Seat[]>[]> {
    return this.changeSeatsWithin(manager, {
      appointmentIds,
      statement: `UPDATE visit_seats s ${SET_ABSENT}
        WHERE s.appointment_id = ANY($1) AND s.instance_id = ANY($2)
       RETURNING s.appointment_id, s.user_id`,
      params: [appointmentIds, instanceIds],
      after: asAbsent,
    });
  }

  /** `changeSeatsWithin`, in a transaction of its own. */
  private async changeSeats(change: SeatsChange): Promise<RoomChange<Seat[]>[]> {
    if (change.appointmentIds.length === 0) {
      return [];
    }
    return this.turns.change.run(() =>
      this.dataSource.transaction((manager) => this.changeSeatsWithin(manager, change)),
    );
  }

  /**
   * Many visits at once: locks their rooms in one order, runs the change's statement, gives
   * each visit changed the next version, and announces presence once for everyone in them.
   */
  private async changeSeatsWithin(
    manager: EntityManager,
    { appointmentIds, statement, params, after }: SeatsChange,
  ): Promise<RoomChange<Seat[]>[]> {
    if (appointmentIds.length === 0) {
      return [];
    }
    await this.lockRoomRows(manager, appointmentIds);
    // A new statement after the locks: its snapshot holds every change committed before
    // them. The outer SELECT reads that snapshot, so it answers the seats as they were.
    const rows = await sql<SeatRow & { appointment_id: string; version: string; changed: boolean }>(
      manager,
      `WITH changed AS (${statement}),
       bumped AS (
         UPDATE visit_rooms r SET version = r.version + 1
          WHERE r.appointment_id IN (SELECT appointment_id FROM changed)
         RETURNING r.appointment_id, r.version)
       SELECT s.*, b.version,
              EXISTS (SELECT 1 FROM changed c
                       WHERE c.appointment_id = s.appointment_id AND c.user_id = s.user_id) AS changed
         FROM bumped b JOIN visit_seats s USING (appointment_id)`,
      params,
    );
    const changes = new Map<string, RoomChange<Seat[]>>();
    for (const row of rows) {
      const version = Number(row.version);
      const visit = changes.get(row.appointment_id) ?? {
        before: { appointmentId: row.appointment_id, version: version - 1, seats: {} },
        after: { appointmentId: row.appointment_id, version, seats: {} },
        result: [],
      };
      changes.set(row.appointment_id, visit);
      const seat = seatOf(row);
      visit.before.seats[row.user_id] = seat;
      const now = row.changed ? after(seat) : { ...seat };
      if (now) {
        visit.after.seats[row.user_id] = now;
      }
      if (row.changed) {
        visit.result.push(seat);
      }
    }
    await this.presence.announce(
      manager,
      rows.map((row) => row.user_id),
    );
    return [...changes.values()];
  }

  /** Locks these visits' rows (in one order) before a transaction that changes several. */
  async lockRooms(manager: EntityManager, appointmentIds: string[]): Promise<string[]> {
    await this.lockRoomRows(manager, appointmentIds);
    // A statement of its own: one read with the locks would see the seats as they were
    // before it waited for them.
    const rows = await sql<{ user_id: string }>(
      manager,
      'SELECT DISTINCT user_id FROM visit_seats WHERE appointment_id = ANY($1)',
      [appointmentIds],
    );
    return rows.map((row) => row.user_id);
  }

  private async lockRoomRows(manager: EntityManager, appointmentIds: string[]): Promise<void> {
    await sql(
      manager,
      `SELECT 1 FROM visit_rooms WHERE appointment_id = ANY($1)
        ORDER BY appointment_id FOR UPDATE`,
      [[...new Set(appointmentIds)]],
    );
  }
}
