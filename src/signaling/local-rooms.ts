import { Injectable } from '@nestjs/common';
import { InstanceRegistry } from '../realtime/instance-registry';
import { SignalingErrors } from './signaling.errors';
import { VisitMetrics } from './visit.metrics';
import { RoomSnapshot, Seat, Seats, seatHeldBy, seatList } from './visit-room';

/** A visit with a participant on this instance, as this instance last saw it. */
export interface LocalRoom {
  snapshot: RoomSnapshot;
  endsAt: Date;
  /** Relays not yet handed on; while any is, later ones wait their turn (order is kept). */
  pending: number;
  relays: Promise<unknown>;
}

/**
 * This instance's view of the visits its sockets are in: the newest snapshot of each, so the
 * relay reads seats without the database. A visit is forgotten once none of its seats is held
 * here, and with it the timers of its seats here (`holdTimer`).
 */
@Injectable()
export class LocalRooms {
  private readonly rooms = new Map<string, LocalRoom>();
  /** The visits of `rooms` each connection holds a seat in, so a closing socket finds its own. */
  private readonly visitsByConnection = new Map<string, Set<string>>();
  /** Timers of a seat held here (TURN refresh), by `appointmentId:userId`. */
  private readonly seatTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly instance: InstanceRegistry,
    private readonly metrics: VisitMetrics,
  ) {}

  get(appointmentId: string): LocalRoom | undefined {
    return this.rooms.get(appointmentId);
  }

  snapshots(): RoomSnapshot[] {
    return [...this.rooms.values()].map((room) => room.snapshot);
  }

  /** The visits in which this connection holds a seat. */
  visitsOf(connectionId: string): string[] {
    return [...(this.visitsByConnection.get(connectionId) ?? [])];
  }

  /** The seat this connection holds in the visit, as last seen here. */
  seatOf(connectionId: string, appointmentId: string): Seat | undefined {
    const room = this.rooms.get(appointmentId);
    return room && seatHeldBy(room.snapshot, connectionId);
  }

  requireSeat(connectionId: string, appointmentId: string): Seat {
    const seat = this.seatOf(connectionId, appointmentId);
    if (!seat) {
      throw SignalingErrors.notInVisit();
    }
    return seat;
  }

  /**
   * Takes a snapshot as this instance's view of the visit if it is newer; forgets the visit
   * once none of its seats is held here.
   */
  adopt(snapshot: RoomSnapshot, endsAt?: Date): LocalRoom {
    const id = snapshot.appointmentId;
    const before = this.rooms.get(id)?.snapshot.seats;
    const room = this.rooms.get(id) ?? {
      snapshot,
      endsAt: endsAt ?? new Date(),
      pending: 0,
      relays: Promise.resolve(),
    };
    if (endsAt) {
      room.endsAt = endsAt;
    }
    if (snapshot.version >= room.snapshot.version) {
      room.snapshot = snapshot;
    }
    const here = this.instance.id;
    for (const userId of Object.keys(before ?? {})) {
      if (room.snapshot.seats[userId]?.instanceId !== here) {
        this.clearTimer(id, userId);
      }
    }
    const kept = seatList(room.snapshot.seats).some((seat) => seat.instanceId === here);
    if (kept) {
      this.rooms.set(id, room);
    } else {
      this.rooms.delete(id);
    }
    this.reindex(id, before, kept ? room.snapshot.seats : undefined);
    this.metrics.seen(room.snapshot);
    return room;
  }

  /** A timer that lives as long as the seat is held here (cleared when it moves or goes). */
  holdTimer(appointmentId: string, userId: string, timer: NodeJS.Timeout): void {
    this.clearTimer(appointmentId, userId);
    this.seatTimers.set(`${appointmentId}:${userId}`, timer);
  }

  clearTimer(appointmentId: string, userId: string): void {
    const key = `${appointmentId}:${userId}`;
    clearTimeout(this.seatTimers.get(key));
    this.seatTimers.delete(key);
  }

  forgetAll(): void {
    this.seatTimers.forEach(clearTimeout);
    this.seatTimers.clear();
    this.rooms.clear();
    this.visitsByConnection.clear();
  }

  /** Moves the visit's entries in `visitsByConnection` from the seats it had to those it has. */
  private reindex(appointmentId: string, before: Seats | undefined, after: Seats | undefined) {
    for (const { connectionId } of seatList(before ?? {})) {
      const visits = connectionId ? this.visitsByConnection.get(connectionId) : undefined;
      if (connectionId && visits?.delete(appointmentId) && visits.size === 0) {
        this.visitsByConnection.delete(connectionId);
      }
    }
    for (const seat of seatList(after ?? {})) {
      if (seat.connectionId) {
        const visits = this.visitsByConnection.get(seat.connectionId) ?? new Set<string>();
        this.visitsByConnection.set(seat.connectionId, visits.add(appointmentId));
      }
    }
  }
}
