import { Injectable } from '@nestjs/common';
import type { Connection } from '../realtime/connection';
import { LocalRooms } from './local-rooms';
import { RoomFanout } from './room-fanout';
import { RoomQueries } from './room-queries';
import type { ParticipantRole } from './visit-room';

/** Who a seated participant is, as other modules see them. */
export interface PresentParticipant {
  userId: string;
  role: ParticipantRole;
  displayName: string;
}

/**
 * The visit core's narrow port for features that live beside a visit (chat): who holds a seat
 * from this socket, and a frame to everyone present, waiting or admitted, on any instance.
 */
@Injectable()
export class VisitRoster {
  constructor(
    private readonly rooms: LocalRooms,
    private readonly fanout: RoomFanout,
    private readonly queries: RoomQueries,
  ) {}

  /** The participant seated in the visit from this socket; NOT_IN_VISIT otherwise. */
  requirePresent(connection: Connection, appointmentId: string): PresentParticipant {
    const seat = this.rooms.requireSeat(connection.id, appointmentId);
    return { userId: seat.userId, role: seat.role, displayName: seat.displayName };
  }

  /** Whether this socket holds a seat in the visit (waiting or admitted). */
  isPresent(connection: Connection, appointmentId: string): boolean {
    return this.rooms.seatOf(connection.id, appointmentId) !== undefined;
  }

  /**
   * Sends a frame to every participant whose socket holds a seat in the visit now. The seats
   * are read from the database, not this instance's snapshot, which may not have heard yet of a
   * participant who just joined on another instance.
   */
  async toEveryonePresent(appointmentId: string, text: string): Promise<void> {
    const seats = await this.queries.heldSeats(appointmentId);
    this.fanout.send(
      seats.map(({ instanceId, connectionId }) => ({ to: { instanceId, connectionId }, text })),
    );
  }
}
