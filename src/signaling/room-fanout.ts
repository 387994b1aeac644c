import { Injectable, Logger } from '@nestjs/common';
import { ConnectionRegistry } from '../realtime/connection-registry';
import { InstanceRegistry } from '../realtime/instance-registry';
import { PgBus } from '../realtime/pg-bus';
import { LocalRooms } from './local-rooms';
import type { RoomChange } from './room-store';
import type { Outgoing } from './visit-frames';
import type { RoomMessage, UserMessage } from './visit-messages';
import type { RoomSnapshot } from './visit-room';

/**
 * Frames to participants wherever their sockets are: straight to a socket here, over the bus to
 * another instance, with the visit's new snapshot for every instance that holds (or held) one
 * of its seats.
 */
@Injectable()
export class RoomFanout {
  private readonly logger = new Logger(RoomFanout.name);

  constructor(
    private readonly rooms: LocalRooms,
    private readonly registry: ConnectionRegistry,
    private readonly bus: PgBus,
    private readonly instances: InstanceRegistry,
  ) {}

  /** Sends the frames and tells the other instances involved about the new snapshot. */
  publish(change: RoomChange<unknown>, frames: Outgoing[]): void {
    const instances = new Set<string>();
    for (const seats of [change.before.seats, change.after.seats]) {
      for (const seat of Object.values(seats)) {
        if (seat.instanceId && seat.instanceId !== this.instances.id) {
          instances.add(seat.instanceId);
        }
      }
    }
    this.send(frames, instances, change.after);
  }

  send(frames: Outgoing[], alsoTell = new Set<string>(), snapshot?: RoomSnapshot): void {
    const remote = new Map<string, RoomMessage['frames']>([...alsoTell].map((id) => [id, []]));
    for (const { to, text } of frames) {
      if (!to?.connectionId || !to.instanceId) {
        continue;
      }
      if (to.instanceId === this.instances.id) {
        this.registry.byConnectionId(to.connectionId)?.sendText(text);
      } else {
        remote.set(to.instanceId, [
          ...(remote.get(to.instanceId) ?? []),
          { connectionId: to.connectionId, text },
        ]);
      }
    }
    for (const [instanceId, forThem] of remote) {
      const room = snapshot ?? { appointmentId: '', version: 0, seats: {} };
      this.tell(instanceId, { kind: 'visit.room', room, frames: forThem } satisfies RoomMessage);
    }
  }

  /** A frame for every open socket of the user: here, and on the other instances holding one. */
  toEverySocketOf(userId: string, instanceIds: string[], text: string | undefined): void {
    if (text === undefined) {
      return;
    }
    this.toSocketsHere(userId, text);
    for (const instanceId of instanceIds) {
      this.tell(instanceId, { kind: 'visit.user', userId, text } satisfies UserMessage);
    }
  }

  /** `visit.user` from another instance. */
  toSocketsHere(userId: string, text: string): void {
    for (const socket of this.registry.forUser(userId)) {
      socket.sendText(text);
    }
  }

  /** `visit.room` from another instance: a newer snapshot, and frames for sockets here. */
  applyRemote(message: RoomMessage): void {
    const known = this.rooms.get(message.room.appointmentId);
    if (known && known.snapshot.version < message.room.version) {
      this.rooms.adopt(message.room);
    }
    for (const { connectionId, text } of message.frames) {
      this.registry.byConnectionId(connectionId)?.sendText(text);
    }
  }

  private tell(instanceId: string, message: RoomMessage | UserMessage): void {
    this.bus
      .send(instanceId, message)
      .catch((error: unknown) =>
        this.logger.error({ err: error, instanceId }, 'Could not tell an instance'),
      );
  }
}
