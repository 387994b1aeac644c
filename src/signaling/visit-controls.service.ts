import { Injectable } from '@nestjs/common';
import { AppointmentsErrors } from '../appointments/appointments.errors';
import type { ClosedVisit } from '../appointments/visit-closures';
import { VisitLifecycleService } from '../appointments/visit-lifecycle.service';
import type { Connection } from '../realtime/connection';
import { ackThen } from '../realtime/frame-context';
import { frameOf } from '../realtime/socket-events';
import { LocalRooms } from './local-rooms';
import { ResumeGraceService } from './resume-grace.service';
import { RoomFanout } from './room-fanout';
import { RoomQueries } from './room-queries';
import { RoomChange, RoomStore } from './room-store';
import { SignalingErrors } from './signaling.errors';
import { everyoneEnded, peerLeft, peersJoined } from './visit-frames';
import { seatHeldBy } from './visit-room';

/** What a seated participant does to the visit: admit the waiting patient, leave, end it. */
@Injectable()
export class VisitControlsService {
  constructor(
    private readonly lifecycle: VisitLifecycleService,
    private readonly store: RoomStore,
    private readonly queries: RoomQueries,
    private readonly rooms: LocalRooms,
    private readonly fanout: RoomFanout,
    private readonly grace: ResumeGraceService,
  ) {}

  admit(connection: Connection, appointmentId: string) {
    return this.lifecycle.auditRefusals(connection.caller, appointmentId, 'admit', () =>
      this.admitWaiting(connection, appointmentId),
    );
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
      const change = await this.store.change(appointmentId, (seats) => {
        delete seats.patient;
        delete seats.clinician;
      });
      this.ended(change, frameOf('session.ended', { appointmentId, reason }));
    }
  }

  private async admitWaiting(connection: Connection, appointmentId: string) {
    const me = this.rooms.requireSeat(connection.id, appointmentId);
    if (me.side !== 'clinician') {
      throw AppointmentsErrors.forbidden('admit');
    }
    const change = await this.store.change(appointmentId, async (seats, manager) => {
      const { patient, clinician } = seats;
      if (clinician?.connectionId !== connection.id) {
        throw SignalingErrors.notInVisit();
      }
      if (!patient?.connectionId || patient.admitted) {
        throw SignalingErrors.noPatientWaiting();
      }
      await this.lifecycle.admit(connection.caller, appointmentId, manager);
      patient.admitted = true;
    });
    this.rooms.adopt(change.after);
    return ackThen({ appointmentId, status: 'in_progress' }, () =>
      this.fanout.publish(change, peersJoined(change.after)),
    );
  }

  private async endVisit(connection: Connection, appointmentId: string) {
    this.rooms.requireSeat(connection.id, appointmentId);
    const change = await this.store.change(appointmentId, async (seats, manager) => {
      if (!seatHeldBy({ appointmentId, version: 0, seats }, connection.id)) {
        throw SignalingErrors.notInVisit();
      }
      await this.lifecycle.end(connection.caller, appointmentId, manager);
      delete seats.patient;
      delete seats.clinician;
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
      delete seats[seat.side];
      return seat;
    });
    this.rooms.adopt(change.after);
    this.fanout.publish(change, [peerLeft(change.after, change.result, 'left')]);
  }

  /** The visit's seats were all cleared (committed): whoever sat in them gets `ended`. */
  private ended(change: RoomChange<unknown>, ended: string): void {
    const { appointmentId } = change.after;
    this.grace.stop(appointmentId, 'patient');
    this.grace.stop(appointmentId, 'clinician');
    this.rooms.adopt(change.after);
    this.fanout.publish(change, everyoneEnded(change.before, ended));
  }
}
