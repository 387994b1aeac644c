import { Injectable } from '@nestjs/common';
import { VisitLifecycleService } from '../appointments/visit-lifecycle.service';
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
import { Outgoing, peerReconnected, peersJoined, waitingFrame } from './visit-frames';
import { describeSeats, inCall, Seat } from './visit-room';

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
  ) {}

  async join(connection: Connection, appointmentId: string) {
    const visit = await this.lifecycle.requireJoinable(connection.caller, appointmentId);
    // The socket may have gone while the visit was looked up: it must not take a seat.
    if (!connection.isOpen) {
      throw SignalingErrors.notInVisit();
    }
    const { side } = visit;
    const change = await this.store.change(appointmentId, async (seats, manager) => {
      const previous = seats[side];
      const admitted =
        previous?.admitted ?? (side === 'clinician' || visit.appointment.status === 'in_progress');
      seats[side] = {
        side,
        userId: connection.userId,
        displayName: visit.names[side],
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
      // A patient entering the waiting room is announced on every socket of the clinician.
      const clinicianInstances =
        side === 'patient' && !admitted && !resumed
          ? await this.queries.instancesOf(
              manager,
              visit.appointment.clinicianId,
              this.instances.id,
            )
          : [];
      const queued = resumed ? await this.queue.takeQueued(manager, appointmentId, side) : [];
      return { queued, clinicianInstances };
    });
    const { before, after } = change;
    const { queued, clinicianInstances } = change.result;
    const previous = before.seats[side];
    const me = after.seats[side] as Seat;
    const resumed = previous !== undefined && !previous.connectionId;
    const repeated = previous?.connectionId === connection.id;
    this.grace.stop(appointmentId, side);
    const room = this.rooms.adopt(after, visit.appointment.endsAt);
    // The socket closed while the seat was being taken, too late for `disconnected` to see it.
    if (!connection.isOpen) {
      await this.grace.giveBack(appointmentId, side, connection.id, queued);
      throw SignalingErrors.notInVisit();
    }

    const ack = {
      appointmentId,
      role: side,
      state: me.admitted ? 'admitted' : 'waiting',
      participants: describeSeats(after.seats),
      iceServers: this.ice.iceServers(room, me),
      polite: side === 'patient',
      resumed,
    };
    return ackThen(ack, () => {
      // Taken over, left or ended meanwhile: this join's news is stale.
      if (this.rooms.get(appointmentId)?.snapshot.seats[side]?.connectionId !== connection.id) {
        return;
      }
      this.ice.schedule(appointmentId, side, connection.id);
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
        frames.push(peerReconnected(after, side));
      } else if (inCall(after.seats)) {
        frames.push(...peersJoined(after));
      } else if (side === 'patient') {
        this.fanout.toEverySocketOf(
          visit.appointment.clinicianId,
          clinicianInstances,
          waitingFrame(after),
        );
      } else {
        const waiting = waitingFrame(after);
        if (waiting) {
          frames.push({ to: after.seats.clinician, text: waiting });
        }
      }
      this.fanout.publish(change, frames);
    });
  }
}
