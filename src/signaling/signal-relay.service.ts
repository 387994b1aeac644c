import { Injectable } from '@nestjs/common';
import type { Connection } from '../realtime/connection';
import { ConnectionRegistry } from '../realtime/connection-registry';
import { InstanceRegistry } from '../realtime/instance-registry';
import { PgBus } from '../realtime/pg-bus';
import { signalFrame, type SignalDto } from './dto/signal.dto';
import { LocalRoom, LocalRooms } from './local-rooms';
import { RoomFanout } from './room-fanout';
import { RoomStore } from './room-store';
import { SignalQueueStore } from './signal-queue.store';
import { SignalingErrors } from './signaling.errors';
import { VisitMetrics } from './visit.metrics';
import type { SignalMessage } from './visit-messages';
import { callPeersOf, RoomSnapshot, Seat, seatHeldBy } from './visit-room';

/**
 * The relay, the hot path: a signal from an admitted participant to the other, in the order
 * sent. It reads seats from this instance's snapshot (no database work): straight to the peer's
 * socket when it is here, to the peer's instance over the bus, or kept while the peer is
 * reconnecting.
 */
@Injectable()
export class SignalRelayService {
  constructor(
    private readonly rooms: LocalRooms,
    private readonly store: RoomStore,
    private readonly queue: SignalQueueStore,
    private readonly fanout: RoomFanout,
    private readonly registry: ConnectionRegistry,
    private readonly bus: PgBus,
    private readonly instances: InstanceRegistry,
    private readonly metrics: VisitMetrics,
  ) {}

  signal(connection: Connection, dto: SignalDto) {
    const { appointmentId } = dto;
    const room = this.rooms.get(appointmentId);
    const me = room && seatHeldBy(room.snapshot, connection.id);
    if (!room || !me) {
      throw SignalingErrors.notInVisit();
    }
    if (!me.admitted) {
      throw SignalingErrors.notAdmitted();
    }
    const peer = recipientOf(room.snapshot, me, dto.to);
    if (!peer) {
      throw dto.to === undefined && callPeersOf(room.snapshot.seats, me.userId).length > 1
        ? SignalingErrors.recipientRequired()
        : SignalingErrors.peerUnavailable();
    }
    const text = signalFrame(appointmentId, me.userId, dto.type, dto.payload);
    this.metrics.signalRelayed();
    const here = peer.instanceId === this.instances.id && peer.connectionId;
    const socket = here ? this.registry.byConnectionId(here) : undefined;
    // The hot path: both sockets here and nothing ahead of this frame.
    if (socket?.isOpen && room.pending === 0) {
      return { appointmentId, delivered: socket.sendText(text) };
    }
    return this.relayInTurn(room, () => this.relay(appointmentId, peer.userId, text));
  }

  /** `visit.signal` from another instance, for a socket here (or kept, if it is gone). */
  async receive(message: SignalMessage): Promise<void> {
    const socket = this.registry.byConnectionId(message.connectionId);
    if (socket?.isOpen) {
      socket.sendText(message.text);
      return;
    }
    await this.deliverOrKeep(message.appointmentId, message.userId, message.text).catch(
      () => undefined,
    );
  }

  /** Frames after a slow relay wait for it, so the peer gets them in the order sent. */
  private async relayInTurn<T>(room: LocalRoom, relay: () => Promise<T>): Promise<T> {
    room.pending += 1;
    const turn = room.relays.then(relay);
    room.relays = turn.catch(() => undefined);
    try {
      return await turn;
    } finally {
      room.pending -= 1;
    }
  }

  /** Hands a signal to the peer's instance, or keeps it while the peer is reconnecting. */
  private async relay(appointmentId: string, userId: string, text: string) {
    const peer = this.rooms.get(appointmentId)?.snapshot.seats[userId];
    if (peer?.connectionId && peer.instanceId && peer.instanceId !== this.instances.id) {
      await this.bus.send(peer.instanceId, {
        kind: 'visit.signal',
        appointmentId,
        userId,
        connectionId: peer.connectionId,
        text,
      } satisfies SignalMessage);
      return { appointmentId, delivered: true };
    }
    const socket = peer?.connectionId ? this.registry.byConnectionId(peer.connectionId) : undefined;
    if (socket?.isOpen) {
      return { appointmentId, delivered: socket.sendText(text) };
    }
    return this.deliverOrKeep(appointmentId, userId, text);
  }

  /**
   * Under the visit's lock: keeps the signal if the participant is reconnecting, or hands it to
   * wherever they are now (they may have come back on another instance meanwhile).
   */
  private async deliverOrKeep(appointmentId: string, userId: string, text: string) {
    const { result: target } = await this.store.change(
      appointmentId,
      async (seats, manager) => {
        const seat = seats[userId];
        if (!seat?.admitted) {
          throw SignalingErrors.peerUnavailable();
        }
        // A socket of this instance that is closing counts as gone: its seat is about to be.
        const closing =
          seat.instanceId === this.instances.id &&
          !(seat.connectionId && this.registry.byConnectionId(seat.connectionId)?.isOpen);
        if (!seat.connectionId || closing) {
          await this.queue.enqueue(manager, appointmentId, userId, text);
          return undefined;
        }
        return seat;
      },
      'signal',
    );
    if (!target) {
      return { appointmentId, delivered: false, queued: true };
    }
    this.fanout.send([{ to: target, text }]);
    return { appointmentId, delivered: true };
  }
}

/**
 * Whom a signal is for: the admitted participant named by `to`, or without `to` the one other
 * admitted participant (a visit of two works as it always has). Anyone else: nobody.
 */
export function recipientOf(
  room: RoomSnapshot,
  me: Seat,
  to: string | undefined,
): Seat | undefined {
  if (to !== undefined) {
    const peer = room.seats[to];
    return peer?.admitted && peer.userId !== me.userId ? peer : undefined;
  }
  let only: Seat | undefined;
  for (const userId in room.seats) {
    const seat = room.seats[userId];
    if (seat.admitted && userId !== me.userId) {
      if (only) {
        return undefined;
      }
      only = seat;
    }
  }
  return only;
}
