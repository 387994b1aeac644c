import { Inject, Injectable, Optional } from '@nestjs/common';
import { VisitLifecycleService, type VisitSide } from '../appointments/visit-lifecycle.service';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { Connection } from '../realtime/connection';
import { ackThen } from '../realtime/frame-context';
import { InstanceRegistry } from '../realtime/instance-registry';
import { frameOf } from '../realtime/socket-events';
import { IceRefreshService } from './ice-refresh.service';
import { LocalRooms } from './local-rooms';
import { ResumeGraceService } from './resume-grace.service';
import { RoomFanout } from './room-fanout';
import { RoomQueries } from './room-queries';
import { RoomStore } from './room-store';
import { SignalQueueStore } from './signal-queue.store';
import { SignalingErrors } from './signaling.errors';
import { VisitMetrics } from './visit.metrics';
import {
  Outgoing,
  peerReconnected,
  peersJoined,
  waitingFrame,
  waitingFrames,
} from './visit-frames';
import { VISIT_GUESTS, VisitGuests } from './visit-guests';
import { describeSeats, roomForAGuest, SeatSide } from './visit-room';

/**
 * `session.join`: takes the caller's seat in the visit, as a first join (the patient waits), a
 * resume within the grace (with the signals kept meanwhile), or a takeover from another device.
 */
@Injectable()
export class JoinVisitUseCase {
  constructor(
    private readonly lifecycle: VisitLifecycleService,
    private readonly store: RoomStore,
    private readonly queries: RoomQueries,
    private readonly queue: SignalQueueStore,
    private readonly rooms: LocalRooms,
    private readonly fanout: RoomFanout,
    private readonly grace: ResumeGraceService,
    private readonly ice: IceRefreshService,
    private readonly instances: InstanceRegistry,
    private readonly metrics: VisitMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(VISIT_GUESTS) private readonly guests?: VisitGuests,
  ) {}

  async join(connection: Connection, appointmentId: string) {
    const { guests } = this;
    const visit = await this.lifecycle.requireJoinable(
      connection.caller,
      appointmentId,
      guests && ((caller, id) => guests.guestSeat(caller, id)),
    );
    // The socket may have gone while the visit was looked up: it must not take a seat.
    if (!connection.isOpen) {
      throw SignalingErrors.notInVisit();
    }
    const side: SeatSide = visit.side ?? 'guest';
    const { userId } = connection;
    const change = await this.store.change(appointmentId, async (seats, manager) => {
      const previous = seats[userId];
      const max = this.config.visits.maxParticipants;
      if (!previous && side === 'guest' && !roomForAGuest(seats, max)) {
        throw SignalingErrors.visitFull(max);
      }
      // A guest always waits for the host; the patient too, unless the visit is under way.
      const admitted =
        previous?.admitted ??
        (side === 'clinician' ||
          (side === 'patient' && visit.appointment.status === 'in_progress'));
      seats[userId] = {
        side,
        role: visit.guest?.role ?? (side as VisitSide),
        userId,
        displayName: visit.guest?.displayName ?? visit.names[side as 'patient'],
        instanceId: this.instances.id,
        connectionId: connection.id,
        admitted,
      };
      const resumed = previous !== undefined && !previous.connectionId;
      await this.lifecycle.recordJoin(
        connection.caller,
        visit,
        { resumed, waiting: !admitted && !previous?.connectionId },
        manager,
      );
      // Someone entering the waiting room is announced on every socket of the clinician.
      const clinicianInstances =
        side !== 'clinician' && !admitted && !resumed
          ? await this.queries.instancesOf(
              manager,
              visit.appointment.clinicianId,
              this.instances.id,
            )
          : [];
      const queued = resumed ? await this.queue.takeQueued(manager, appointmentId, userId) : [];
      return { queued, clinicianInstances };
    });
    const { before, after } = change;
    const { queued, clinicianInstances } = change.result;
    const previous = before.seats[userId];
    const me = after.seats[userId];
    const resumed = previous !== undefined && !previous.connectionId;
    const repeated = previous?.connectionId === connection.id;
    this.grace.stop(appointmentId, userId);
    const room = this.rooms.adopt(after, visit.appointment.endsAt);
    // The socket closed while the seat was being taken, too late for `disconnected` to see it.
    if (!connection.isOpen) {
      await this.grace.giveBack(appointmentId, userId, connection.id, queued);
      throw SignalingErrors.notInVisit();
    }

    const ack = {
      appointmentId,
      role: me.role,
      state: me.admitted ? 'admitted' : 'waiting',
      participants: describeSeats(after.seats, me),
      iceServers: this.ice.iceServers(room, me),
      // Toward the host: only the host is impolite (each pair's own is in `participants`).
      polite: side !== 'clinician',
      resumed,
    };
    return ackThen(ack, () => {
      // Taken over, left or ended meanwhile: this join's news is stale.
      if (this.rooms.get(appointmentId)?.snapshot.seats[userId]?.connectionId !== connection.id) {
        return;
      }
      this.ice.schedule(appointmentId, userId, connection.id);
      if (repeated) {
        return;
      }
      const frames: Outgoing[] = [];
      if (previous?.connectionId) {
        this.metrics.takenOver();
        frames.push({ to: previous, text: frameOf('session.replaced', { appointmentId }) });
      }
      if (resumed) {
        this.metrics.resumed();
        queued.forEach((text) => connection.sendText(text));
        frames.push(...peerReconnected(after, userId));
      } else {
        if (me.admitted) {
          frames.push(...peersJoined(after, userId));
        }
        if (side === 'clinician') {
          frames.push(...waitingFrames(after).map((text) => ({ to: me, text })));
        } else if (!me.admitted) {
          this.fanout.toEverySocketOf(
            visit.appointment.clinicianId,
            clinicianInstances,
            waitingFrame(after, me),
          );
        }
      }
      this.fanout.publish(change, frames);
    });
  }
}
