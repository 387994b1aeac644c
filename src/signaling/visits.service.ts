import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { CALL_STATE_CHANGED, CallStateChangedEvent } from '../presence/presence-events';
import { AppointmentsErrors } from '../appointments/appointments.errors';
import { VisitLifecycleService } from '../appointments/visit-lifecycle.service';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { Connection } from '../realtime/connection';
import type { SignalDto } from './dto/signal.dto';
import { ackThen } from '../realtime/frame-context';
import { iceServersFor } from './ice-servers';
import { SignalingErrors } from './signaling.errors';
import { clearTimers, MAX_QUEUED_FRAMES, Participant, VisitRoom } from './visit-room';

/**
 * Visit rooms on this instance: the waiting room, admitting, relaying signals between the two
 * admitted participants, resuming a dropped participant, device takeover and ending.
 */
@Injectable()
export class VisitsService implements OnModuleDestroy {
  private readonly rooms = new Map<string, VisitRoom>();

  constructor(
    private readonly lifecycle: VisitLifecycleService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: EventEmitter2,
  ) {}

  async join(connection: Connection, appointmentId: string) {
    const visit = await this.lifecycle.requireJoinable(connection.caller, appointmentId);
    // The socket may have gone while the visit was looked up: it must not take a seat.
    if (!connection.isOpen) {
      throw SignalingErrors.notInVisit();
    }
    const room =
      this.rooms.get(appointmentId) ?? new VisitRoom(appointmentId, visit.appointment.endsAt);
    this.rooms.set(appointmentId, room);
    room.endsAt = visit.appointment.endsAt;
    const { side } = visit;
    let me = room.participants[side];
    const other = room.other(side);
    const previous = me?.connection;
    const resumed = me !== undefined && previous === undefined;
    const replaced = previous !== undefined && previous !== connection;
    const repeated = previous === connection;

    if (!me) {
      me = {
        side,
        userId: connection.userId,
        displayName: visit.names[side],
        connection,
        admitted: side === 'clinician' || visit.appointment.status === 'in_progress',
        queue: [],
      };
      room.participants[side] = me;
    }
    clearTimeout(me.graceTimer);
    me.connection = connection;
    await this.lifecycle.recordJoin(connection.caller, visit, {
      resumed,
      waiting: !me.admitted && previous === undefined,
    });

    const ack = {
      appointmentId,
      role: side,
      state: me.admitted ? 'admitted' : 'waiting',
      participants: room.describe(),
      iceServers: this.iceServers(room, me),
      polite: side === 'patient',
      resumed,
    };
    const self = me;
    return ackThen(ack, () => {
      // The visit may have ended, or this seat been given up, while the join was recorded.
      if (this.rooms.get(appointmentId) !== room || room.participants[side] !== self) {
        return;
      }
      this.scheduleIceRefresh(room, self);
      if (repeated) {
        return;
      }
      if (replaced) {
        previous.send('session.replaced', { appointmentId });
      }
      if (resumed) {
        for (const frame of self.queue.splice(0)) {
          connection.sendText(frame);
        }
        other?.connection?.send('session.peer-reconnected', { appointmentId, userId: self.userId });
      } else if (room.inCall) {
        this.announcePeers(room);
      } else {
        this.announceWaiting(room);
      }
      this.syncCallState(room);
    });
  }

  async admit(connection: Connection, appointmentId: string) {
    const { room, me } = this.requireParticipant(connection, appointmentId);
    if (me.side !== 'clinician') {
      throw AppointmentsErrors.forbidden('admit');
    }
    const patient = room.participants.patient;
    if (!patient?.connection || patient.admitted) {
      throw SignalingErrors.noPatientWaiting();
    }
    await this.lifecycle.admit(connection.caller, appointmentId);
    patient.admitted = true;
    return ackThen({ appointmentId, status: 'in_progress' }, () => {
      this.announcePeers(room);
      this.syncCallState(room);
    });
  }

  signal(connection: Connection, dto: SignalDto) {
    const { me, room } = this.requireParticipant(connection, dto.appointmentId);
    if (!me.admitted) {
      throw SignalingErrors.notAdmitted();
    }
    const peer = room.other(me.side);
    if (!peer?.admitted) {
      throw SignalingErrors.peerUnavailable();
    }
    const frame = JSON.stringify({
      event: 'signal',
      data: {
        appointmentId: dto.appointmentId,
        from: me.userId,
        type: dto.type,
        payload: dto.payload ?? null,
      },
    });
    if (peer.connection) {
      return { appointmentId: dto.appointmentId, delivered: peer.connection.sendText(frame) };
    }
    if (peer.queue.length >= MAX_QUEUED_FRAMES) {
      throw SignalingErrors.queueFull();
    }
    peer.queue.push(frame);
    return { appointmentId: dto.appointmentId, delivered: false, queued: true };
  }

  leave(connection: Connection, appointmentId: string) {
    const { room, me } = this.requireParticipant(connection, appointmentId);
    this.remove(room, me, 'left');
    return { appointmentId };
  }

  async end(connection: Connection, appointmentId: string) {
    const { room } = this.requireParticipant(connection, appointmentId);
    await this.lifecycle.end(connection.caller, appointmentId);
    return ackThen({ appointmentId, status: 'completed' }, () => {
      this.rooms.delete(appointmentId);
      for (const participant of Object.values(room.participants)) {
        clearTimers(participant);
        participant.connection?.send('session.ended', { appointmentId, by: connection.userId });
        delete room.participants[participant.side];
        this.reportCallState(room.appointmentId, participant, false);
      }
    });
  }

  /** A socket dropped: its visits keep its place for the grace period. */
  disconnected(connection: Connection): void {
    for (const room of this.rooms.values()) {
      const me = room.sideOf(connection);
      if (!me) {
        continue;
      }
      me.connection = undefined;
      clearTimeout(me.iceTimer);
      room.other(me.side)?.connection?.send('session.peer-reconnecting', {
        appointmentId: room.appointmentId,
        userId: me.userId,
      });
      this.syncCallState(room);
      me.graceTimer = setTimeout(
        () => this.remove(room, me, 'disconnected'),
        this.config.visits.resumeGraceSeconds * 1000,
      );
      me.graceTimer.unref();
    }
  }

  onModuleDestroy(): void {
    for (const room of this.rooms.values()) {
      Object.values(room.participants).forEach(clearTimers);
    }
    this.rooms.clear();
  }

  private requireParticipant(connection: Connection, appointmentId: string) {
    const room = this.rooms.get(appointmentId);
    const me = room?.sideOf(connection);
    if (!room || !me) {
      throw SignalingErrors.notInVisit();
    }
    return { room, me };
  }

  private remove(room: VisitRoom, me: Participant, reason: 'left' | 'disconnected'): void {
    clearTimers(me);
    delete room.participants[me.side];
    this.reportCallState(room.appointmentId, me, false);
    this.syncCallState(room);
    room.other(me.side)?.connection?.send('session.peer-left', {
      appointmentId: room.appointmentId,
      userId: me.userId,
      reason,
    });
    if (room.isEmpty) {
      this.rooms.delete(room.appointmentId);
    }
  }

  /** Presence shows `in_call` while both sides are admitted and connected. */
  private syncCallState(room: VisitRoom): void {
    for (const participant of Object.values(room.participants)) {
      this.reportCallState(room.appointmentId, participant, room.inCall);
    }
  }

  private reportCallState(appointmentId: string, participant: Participant, inCall: boolean): void {
    if ((participant.inCall ?? false) === inCall) {
      return;
    }
    participant.inCall = inCall;
    const event: CallStateChangedEvent = { userId: participant.userId, appointmentId, inCall };
    this.events.emit(CALL_STATE_CHANGED, event);
  }

  /** Each side learns about the other: a fresh peer to negotiate with. */
  private announcePeers(room: VisitRoom): void {
    const { patient, clinician } = room.participants;
    for (const [to, about] of [
      [patient, clinician],
      [clinician, patient],
    ] as const) {
      to?.connection?.send('session.peer-joined', {
        appointmentId: room.appointmentId,
        userId: about?.userId,
        role: about?.side,
        displayName: about?.displayName,
      });
    }
  }

  private announceWaiting(room: VisitRoom): void {
    const { patient, clinician } = room.participants;
    if (patient?.connection && !patient.admitted) {
      clinician?.connection?.send('session.waiting', {
        appointmentId: room.appointmentId,
        patient: { userId: patient.userId, displayName: patient.displayName },
      });
    }
  }

  private credentialsExpireAt(room: VisitRoom): Date {
    const base = Math.max(room.endsAt.getTime(), Date.now());
    return new Date(base + this.config.ice.turnCredentialMarginSeconds * 1000);
  }

  private iceServers(room: VisitRoom, me: Participant) {
    return iceServersFor(this.config.ice, me.userId, this.credentialsExpireAt(room));
  }

  /** A visit running over gets fresh TURN credentials before the ones it holds expire. */
  private scheduleIceRefresh(room: VisitRoom, me: Participant): void {
    clearTimeout(me.iceTimer);
    const stillThere =
      this.rooms.get(room.appointmentId) === room && room.participants[me.side] === me;
    if (!stillThere || !this.config.ice.turnSecret || this.config.ice.turnUrls.length === 0) {
      return;
    }
    const margin = this.config.ice.turnCredentialMarginSeconds * 1000;
    const lead = Math.min(5 * 60_000, margin / 2);
    const delay = this.credentialsExpireAt(room).getTime() - lead - Date.now();
    me.iceTimer = setTimeout(
      () => {
        me.connection?.send('session.ice-servers', {
          appointmentId: room.appointmentId,
          iceServers: this.iceServers(room, me),
        });
        this.scheduleIceRefresh(room, me);
      },
      Math.max(delay, 1000),
    );
    me.iceTimer.unref();
  }
}
