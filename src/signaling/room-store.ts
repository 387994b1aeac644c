import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { ClosedReason } from '../appointments/visit-closures';
import type { VisitSide } from '../appointments/visit-lifecycle.service';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Slots } from '../common/slots';
import { sql } from '../database/sql';
import { PresenceService } from '../presence/presence.service';
import { SignalingErrors } from './signaling.errors';
import { MAX_QUEUED_FRAMES, RoomSnapshot, Seat, Seats } from './visit-room';

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
  side: VisitSide;
  connectionId: string;
}

/** A change of many visits' seats at once (`RoomStore.changeSeatsWithin`). */
interface SeatsChange {
  appointmentIds: string[];
  /** A statement returning the `appointment_id` and `side` of each seat it changed. */
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

interface SeatRow {
  side: VisitSide;
  user_id: string;
  display_name: string;
  instance_id: string | null;
  connection_id: string | null;
  admitted: boolean;
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
          seats: await this.seatsOf(manager, appointmentId),
        };
        const seats = structuredClone(before.seats);
        const result = await apply(seats, manager);
        for (const side of ['patient', 'clinician'] as const) {
          await this.write(manager, appointmentId, side, before.seats[side], seats[side]);
        }
        const users = [before.seats, seats].flatMap((s) => [
          s.patient?.userId,
          s.clinician?.userId,
        ]);
        await this.presence.announce(
          manager,
          users.filter((id): id is string => id !== undefined),
        );
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
         FROM unnest($1::uuid[], $2::text[], $3::uuid[]) AS g (appointment_id, side, connection_id)
        WHERE s.appointment_id = g.appointment_id AND s.side = g.side
          AND s.connection_id = g.connection_id
       RETURNING s.appointment_id, s.side`,
      params: [
        seats.map((seat) => seat.appointmentId),
        seats.map((seat) => seat.side),
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
  expire(seats: { appointmentId: string; side: VisitSide }[]): Promise<RoomChange<Seat[]>[]> {
    return this.changeSeats({
      appointmentIds: seats.map((seat) => seat.appointmentId),
      statement: `DELETE FROM visit_seats s
        USING unnest($1::uuid[], $2::text[]) AS g (appointment_id, side)
        WHERE s.appointment_id = g.appointment_id AND s.side = g.side
          AND s.connection_id IS NULL
          AND s.disconnected_at < now() - make_interval(secs => $3)
       RETURNING s.appointment_id, s.side`,
      params: [
        seats.map((seat) => seat.appointmentId),
        seats.map((seat) => seat.side),
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
       RETURNING s.appointment_id, s.side`,
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
                       WHERE c.appointment_id = s.appointment_id AND c.side = s.side) AS changed
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
      visit.before.seats[row.side] = seat;
      const now = row.changed ? after(seat) : { ...seat };
      if (now) {
        visit.after.seats[row.side] = now;
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

  /** The other instances where this user has a socket open (for frames to all of them). */
  async instancesOf(manager: EntityManager, userId: string, except: string): Promise<string[]> {
    const rows = await sql<{ instance_id: string }>(
      manager,
      'SELECT DISTINCT instance_id FROM sockets WHERE user_id = $1 AND instance_id <> $2',
      [userId, except],
    );
    return rows.map((row) => row.instance_id);
  }

  /** The seats of visits with a participant on one of these instances. */
  async visitsOn(manager: EntityManager, instanceIds: string[]): Promise<string[]> {
    const rows = await sql<{ appointment_id: string }>(
      manager,
      `SELECT DISTINCT appointment_id FROM visit_seats WHERE instance_id = ANY($1)
        ORDER BY appointment_id`,
      [instanceIds],
    );
    return rows.map((row) => row.appointment_id);
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

  /** This instance's seats, with the socket each is held by. */
  async seatsOn(instanceId: string) {
    return sql<{ appointmentId: string; side: VisitSide; connectionId: string }>(
      this.dataSource.manager,
      `SELECT appointment_id AS "appointmentId", side, connection_id AS "connectionId"
         FROM visit_seats WHERE instance_id = $1`,
      [instanceId],
    );
  }

  /** Seats whose participant has been gone longer than the resume grace period. */
  async expiredSeats(): Promise<{ appointmentId: string; side: VisitSide }[]> {
    return sql(
      this.dataSource.manager,
      `SELECT appointment_id AS "appointmentId", side FROM visit_seats
        WHERE disconnected_at < now() - make_interval(secs => $1)`,
      [this.config.visits.resumeGraceSeconds],
    );
  }

  /** Which of these visits have a seat (held or absent). */
  async seated(appointmentIds: string[]): Promise<string[]> {
    if (appointmentIds.length === 0) {
      return [];
    }
    const rows = await sql<{ appointment_id: string }>(
      this.dataSource.manager,
      'SELECT DISTINCT appointment_id FROM visit_seats WHERE appointment_id = ANY($1)',
      [appointmentIds],
    );
    return rows.map((row) => row.appointment_id);
  }

  /**
   * Visits with a seat although they are closed: taken by a join that raced the change closing
   * the visit, or left when the instance closing it stopped before clearing them.
   */
  async seatsOfClosedVisits(): Promise<{ appointmentId: string; reason: ClosedReason }[]> {
    return sql(
      this.dataSource.manager,
      `SELECT DISTINCT a.id AS "appointmentId", a.status AS reason
         FROM visit_seats s JOIN appointments a ON a.id = s.appointment_id
        WHERE a.status IN ('cancelled', 'no_show', 'completed')`,
    );
  }

  /** Keeps a signal for a reconnecting participant; refuses past the queue's bound. */
  async enqueue(
    manager: EntityManager,
    appointmentId: string,
    side: VisitSide,
    frame: string,
  ): Promise<void> {
    const [{ waiting }] = await sql<{ waiting: number }>(
      manager,
      `SELECT count(*)::int AS waiting FROM visit_signal_queue
        WHERE appointment_id = $1 AND side = $2`,
      [appointmentId, side],
    );
    if (waiting >= MAX_QUEUED_FRAMES) {
      throw SignalingErrors.queueFull();
    }
    await sql(
      manager,
      'INSERT INTO visit_signal_queue (appointment_id, side, frame) VALUES ($1, $2, $3)',
      [appointmentId, side, frame],
    );
  }

  /**
   * Keeps, in order, signals for seats that just went absent (their instance was released with
   * the signals still in its mailbox), up to each seat's queue bound. Answers how many did not
   * fit.
   */
  async requeue(
    manager: EntityManager,
    frames: { appointmentId: string; side: VisitSide; text: string }[],
  ): Promise<number> {
    if (frames.length === 0) {
      return 0;
    }
    const kept = await sql(
      manager,
      `WITH g AS (
         SELECT appointment_id, side, frame, n,
                row_number() OVER (PARTITION BY appointment_id, side ORDER BY n) AS k
           FROM unnest($1::uuid[], $2::text[], $3::text[]) WITH ORDINALITY
                AS g (appointment_id, side, frame, n)),
       waiting AS (
         SELECT q.appointment_id, q.side, count(*) AS c FROM visit_signal_queue q
          WHERE (q.appointment_id, q.side) IN (SELECT appointment_id, side FROM g)
          GROUP BY 1, 2)
       INSERT INTO visit_signal_queue (appointment_id, side, frame)
       SELECT g.appointment_id, g.side, g.frame
         FROM g LEFT JOIN waiting w USING (appointment_id, side)
        WHERE g.k + coalesce(w.c, 0) <= $4
        ORDER BY g.n
       RETURNING id`,
      [
        frames.map((f) => f.appointmentId),
        frames.map((f) => f.side),
        frames.map((f) => f.text),
        MAX_QUEUED_FRAMES,
      ],
    );
    return frames.length - kept.length;
  }

  /** Takes, in order, the signals kept for a participant who is back. */
  async takeQueued(manager: EntityManager, appointmentId: string, side: VisitSide) {
    const rows = await sql<{ frame: string }>(
      manager,
      `WITH taken AS (
         DELETE FROM visit_signal_queue WHERE appointment_id = $1 AND side = $2
         RETURNING id, frame)
       SELECT frame FROM taken ORDER BY id`,
      [appointmentId, side],
    );
    return rows.map((row) => row.frame);
  }

  private async seatsOf(manager: EntityManager, appointmentId: string): Promise<Seats> {
    const rows = await sql<SeatRow>(
      manager,
      'SELECT * FROM visit_seats WHERE appointment_id = $1',
      [appointmentId],
    );
    const seats: Seats = {};
    for (const row of rows) {
      seats[row.side] = seatOf(row);
    }
    return seats;
  }

  private async write(
    manager: EntityManager,
    appointmentId: string,
    side: VisitSide,
    before: Seat | undefined,
    after: Seat | undefined,
  ): Promise<void> {
    if (!after) {
      if (before) {
        await sql(manager, 'DELETE FROM visit_seats WHERE appointment_id = $1 AND side = $2', [
          appointmentId,
          side,
        ]);
      }
      return;
    }
    if (before && sameSeat(before, after)) {
      return;
    }
    // A seat without a socket is absent since the database's now (or since it already was).
    await sql(
      manager,
      `INSERT INTO visit_seats (appointment_id, side, user_id, display_name, instance_id,
                                connection_id, admitted, disconnected_at)
       VALUES ($1, $2, $3, $4, $5, $6::uuid, $7, CASE WHEN $6::uuid IS NULL THEN now() END)
       ON CONFLICT (appointment_id, side) DO UPDATE SET
         user_id = $3, display_name = $4, instance_id = $5, connection_id = $6::uuid,
         admitted = $7,
         disconnected_at =
           CASE WHEN $6::uuid IS NULL THEN coalesce(visit_seats.disconnected_at, now()) END`,
      [
        appointmentId,
        side,
        after.userId,
        after.displayName,
        after.instanceId,
        after.connectionId,
        after.admitted,
      ],
    );
  }
}

function seatOf(row: SeatRow): Seat {
  return {
    side: row.side,
    userId: row.user_id,
    displayName: row.display_name,
    instanceId: row.instance_id,
    connectionId: row.connection_id,
    admitted: row.admitted,
  };
}

/** The seat once its participant's socket is gone: held by nobody while they may resume. */
export function asAbsent(seat: Seat): Seat {
  return { ...seat, instanceId: null, connectionId: null };
}

function sameSeat(a: Seat, b: Seat): boolean {
  return (
    a.userId === b.userId &&
    a.displayName === b.displayName &&
    a.instanceId === b.instanceId &&
    a.connectionId === b.connectionId &&
    a.admitted === b.admitted
  );
}
