import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AppointmentsErrors } from '../appointments/appointments.errors';
import type { ClosedVisit } from '../appointments/visit-closures';
import { VisitLifecycleService } from '../appointments/visit-lifecycle.service';
import type { Caller } from '../auth/caller';
import type { Connection } from '../realtime/connection';
import { ackThen } from '../realtime/frame-context';
import { frameOf } from '../realtime/socket-events';
import { LocalRooms } from './local-rooms';
import { ResumeGraceService } from './resume-grace.service';
import { RoomFanout } from './room-fanout';
import { RoomQueries } from './room-queries';
import { RoomChange, RoomStore } from './room-store';
import { SignalingErrors } from './signaling.errors';
import { VISIT_GUESTS, VisitGuests } from './visit-guests';
import { everyoneEnded, Outgoing, peerLeft, peersJoined } from './visit-frames';
import { Seat, seatHeldBy, seatList, Seats, seatOnSide } from './visit-room';

/**
 * What a seated participant does to the visit: the host admits whoever waits and removes
 * guests; anyone leaves; the clinician ends it for everyone.
 */
@Injectable()
export class VisitControlsService {
  private readonly logger = new Logger(VisitControlsService.name);

  constructor(
    private readonly lifecycle: VisitLifecycleService,
    private readonly store: RoomStore,
    private readonly queries: RoomQueries,
    private readonly rooms: LocalRooms,
    private readonly fanout: RoomFanout,
    private readonly grace: ResumeGraceService,
    @Optional() @Inject(VISIT_GUESTS) private readonly guests?: VisitGuests,
  ) {}

  admit(connection: Connection, appointmentId: string, userId?: string) {
    return this.lifecycle.auditRefusals(connection.caller, appointmentId, 'admit', () =>
      this.admitWaiting(connection, appointmentId, userId),
    );
  }

  remove(connection: Connection, appointmentId: string, userId: string) {
    return this.lifecycle.auditRefusals(connection.caller, appointmentId, 'remove', async () => {
      this.requireHost(connection, appointmentId);
      await this.removeGuest(connection.caller, appointmentId, userId, (seats) => {
        if (seatHeldBy({ appointmentId, version: 0, seats }, connection.id)?.side !== 'clinician') {
          throw SignalingErrors.notInVisit();
        }
      });
      // Removed means out: the invite they came in by no longer lets them back.
      await this.guests?.endAccessOf(appointmentId, userId);
      return { appointmentId, userId };
    });
  }

  /**
   * A guest's invite was revoked (committed, and audited as such): if they sit in the visit
   * they are removed, as if the host had.
   */
  async revoked(appointmentId: string, userId: string): Promise<void> {
    await this.removeGuest(undefined, appointmentId, userId, () => undefined);
  }

  leave(connection: Connection, appointmentId: string) {
    this.rooms.requireSeat(connection.id, appointmentId);
    return this.vacate(connection, appointmentId).then(() => ({ appointmentId }));
  }

  end(connection: Connection, appointmentId: string) {
    return this.lifecycle.auditRefusals(connection.caller, appointmentId, 'end', () =>
      this.endVisit(connection, appointmentId),
    );
  }

  /**
   * Visits closed elsewhere (cancelled, no-show, completed by the system): whoever is still
   * seated gets `session.ended` with the reason, and the seats are cleared.
   */
  async closeSeats(visits: ClosedVisit[]): Promise<void> {
    const seated = new Set(await this.queries.seated(visits.map((v) => v.appointmentId)));
    for (const { appointmentId, reason } of visits.filter((v) => seated.has(v.appointmentId))) {
      const change = await this.store.change(appointmentId, clearSeats);
      this.ended(change, frameOf('session.ended', { appointmentId, reason }));
    }
  }

  private requireHost(connection: Connection, appointmentId: string): Seat {
    const me = this.rooms.requireSeat(connection.id, appointmentId);
    if (me.side !== 'clinician') {
      throw AppointmentsErrors.forbidden('admit');
    }
    return me;
  }

  private async admitWaiting(connection: Connection, appointmentId: string, userId?: string) {
    this.requireHost(connection, appointmentId);
    const change = await this.store.change(appointmentId, async (seats, manager) => {
      if (seatHeldBy({ appointmentId, version: 0, seats }, connection.id)?.side !== 'clinician') {
        throw SignalingErrors.notInVisit();
      }
      const patient = seatOnSide(seats, 'patient');
      const target = userId === undefined ? patient : seats[userId];
      if (!target?.connectionId || target.admitted) {
        throw target?.side === 'guest'
          ? SignalingErrors.notWaiting()
          : SignalingErrors.noPatientWaiting();
      }
      if (target.side === 'guest') {
        if (!patient?.admitted) {
          throw SignalingErrors.patientFirst();
        }
        await this.lifecycle.recordGuest(
          connection.caller,
          appointmentId,
          'admit',
          target.userId,
          manager,
        );
      } else {
        await this.lifecycle.admit(connection.caller, appointmentId, manager);
      }
      target.admitted = true;
      return target;
    });
    this.rooms.adopt(change.after);
    const admitted = change.result;
    const ack = admitted.side === 'guest' ? { userId: admitted.userId } : {};
    return ackThen({ appointmentId, ...ack, status: 'in_progress' }, () =>
      this.fanout.publish(change, peersJoined(change.after, admitted.userId)),
    );
  }

  /**
   * Takes a guest's seat away (`check` may refuse, inside the room's lock): they get `ended`
   * (`removed`), and those who heard of them hear that they were removed.
   */
  private async removeGuest(
    caller: Caller | undefined,
    appointmentId: string,
    userId: string,
    check: (seats: Seats) => void,
  ): Promise<void> {
    const change = await this.store.change(appointmentId, async (seats, manager) => {
      check(seats);
      const guest = seats[userId];
      if (!guest) {
        if (caller) {
          throw SignalingErrors.notWaiting();
        }
        return undefined;
      }
      if (guest.side !== 'guest') {
        throw SignalingErrors.notAGuest();
      }
      if (caller) {
        await this.lifecycle.recordGuest(caller, appointmentId, 'remove', userId, manager);
      }
      delete seats[userId];
      return guest;
    });
    const guest = change.result;
    if (!guest) {
      return;
    }
    this.grace.stop(appointmentId, userId);
    this.rooms.adopt(change.after);
    const frames: Outgoing[] = [
      { to: guest, text: frameOf('session.ended', { appointmentId, reason: 'removed' }) },
      ...peerLeft(change.after, guest, 'removed'),
    ];
    this.fanout.publish(change, frames);
  }

  private async endVisit(connection: Connection, appointmentId: string) {
    this.rooms.requireSeat(connection.id, appointmentId);
    const change = await this.store.change(appointmentId, async (seats, manager) => {
      if (!seatHeldBy({ appointmentId, version: 0, seats }, connection.id)) {
        throw SignalingErrors.notInVisit();
      }
      await this.lifecycle.end(connection.caller, appointmentId, manager);
      clearSeats(seats);
    });
    const ended = frameOf('session.ended', { appointmentId, by: connection.userId });
    return ackThen({ appointmentId, status: 'completed' }, () => this.ended(change, ended));
  }

  private async vacate(connection: Connection, appointmentId: string) {
    const change = await this.store.change(appointmentId, (seats) => {
      const seat = seatHeldBy({ appointmentId, version: 0, seats }, connection.id);
      if (!seat) {
        throw SignalingErrors.notInVisit();
      }
      delete seats[seat.userId];
      return seat;
    });
    this.rooms.adopt(change.after);
    this.fanout.publish(change, peerLeft(change.after, change.result, 'left'));
  }

  /** The visit's seats were all cleared (committed): whoever sat in them gets `ended`. */
  private ended(change: RoomChange<unknown>, ended: string): void {
    const { appointmentId } = change.after;
    seatList(change.before.seats).forEach((seat) => this.grace.stop(appointmentId, seat.userId));
    this.rooms.adopt(change.after);
    this.fanout.publish(change, everyoneEnded(change.before, ended));
    this.guests
      ?.endGuestAccess(appointmentId)
      .catch((error: unknown) => this.logger.error({ err: error }, 'Could not end guest access'));
  }
}

function clearSeats(seats: Seats): void {
  for (const userId of Object.keys(seats)) {
    delete seats[userId];
  }
}
