import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppointmentsErrors } from '../appointments/appointments.errors';
import { ClosedVisit, VisitClosures } from '../appointments/visit-closures';
import { VisitLifecycleService, VisitSide } from '../appointments/visit-lifecycle.service';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Coalescer } from '../common/coalescer';
import type { Connection } from '../realtime/connection';
import { ConnectionRegistry } from '../realtime/connection-registry';
import { ackThen } from '../realtime/frame-context';
import { InstanceRegistry } from '../realtime/instance-registry';
import { PgBus } from '../realtime/pg-bus';
import { SocketDirectory } from '../realtime/socket-directory';
import { lockUsers } from '../realtime/user-locks';
import { signalFrame, type SignalDto } from './dto/signal.dto';
import { iceServersFor } from './ice-servers';
import { asAbsent, HeldSeat, RoomChange, RoomStore } from './room-store';
import { SignalingErrors } from './signaling.errors';
import { VisitMetrics } from './visit.metrics';
import {
  describeSeats,
  inCall,
  otherSide,
  RoomSnapshot,
  Seat,
  Seats,
  seatHeldBy,
} from './visit-room';

/** A frame for one participant's socket, wherever it is. */
interface Outgoing {
  to: Seat | undefined;
  text: string;
}

/** A visit change, sent to each other instance holding (or having held) one of its seats. */
interface RoomMessage {
  kind: 'visit.room';
  room: RoomSnapshot;
  frames: { connectionId: string; text: string }[];
}

/** A signal for a participant whose socket is on the receiving instance. */
interface SignalMessage {
  kind: 'visit.signal';
  appointmentId: string;
  side: VisitSide;
  connectionId: string;
  text: string;
}

/** A frame for every socket of one user on the receiving instance. */
interface UserMessage {
  kind: 'visit.user';
  userId: string;
  text: string;
}

/** A visit with a participant on this instance, as this instance last saw it. */
interface LocalRoom {
  snapshot: RoomSnapshot;
  endsAt: Date;
  /** Relays not yet handed on; while any is, later ones wait their turn (order is kept). */
  pending: number;
  relays: Promise<unknown>;
}

/**
 * Visit rooms across instances: the waiting room, admitting, relaying signals between the two
 * admitted participants, resuming a dropped participant (on any instance), device takeover and
 * ending. Seats live in the database (`RoomStore`); each instance keeps the snapshot of the
 * visits its sockets are in, so relaying a signal does no database work: it goes straight to
 * the peer's socket when it is here, or to the peer's instance over the bus.
 */
@Injectable()
export class VisitsService implements OnModuleDestroy {
  private readonly logger = new Logger(VisitsService.name);
  private readonly rooms = new Map<string, LocalRoom>();
  /** The visits of `rooms` each connection holds a seat in, so a closing socket finds its own. */
  private readonly visitsByConnection = new Map<string, Set<string>>();
  /** Resume grace periods started here, by `appointmentId:side`. */
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();
  /** TURN credential refreshes of participants here, by `appointmentId:side`. */
  private readonly iceTimers = new Map<string, NodeJS.Timeout>();
  /**
   * Seats whose socket closed, marked absent many at a time, and (a grace period later) given
   * up many at a time: when a thousand sockets drop together (a network blip, a restarting
   * proxy) their seats take a few transactions, not a thousand, and the database pool stays
   * free for everyone else.
   */
  private readonly drops = new Coalescer<HeldSeat, void>(async (seats) => {
    this.eachCommitted(await this.store.markAbsent(seats), (change) => this.reconnecting(change));
    return seats.map(() => ({ ok: true, value: undefined }));
  });
  private readonly expiries = new Coalescer<{ appointmentId: string; side: VisitSide }, void>(
    async (seats) => {
      this.eachCommitted(await this.store.expire(seats), (change) => this.left(change));
      return seats.map(() => ({ ok: true, value: undefined }));
    },
  );

  constructor(
    private readonly lifecycle: VisitLifecycleService,
    private readonly store: RoomStore,
    private readonly registry: ConnectionRegistry,
    private readonly bus: PgBus,
    private readonly instances: InstanceRegistry,
    private readonly directory: SocketDirectory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: VisitMetrics,
    closures: VisitClosures,
  ) {
    metrics.watch(
      () => instances.id,
      () => [...this.rooms.values()].map((room) => room.snapshot),
    );
    closures.onClosed((visits) => this.closeSeats(visits));
    bus.onMessage<RoomMessage>('visit.room', (message) => this.applyRemote(message));
    bus.onMessage<SignalMessage>('visit.signal', (message) => this.receiveSignal(message));
    bus.onMessage<UserMessage>('visit.user', ({ userId, text }) =>
      this.toSocketsHere(userId, text),
    );
    // First (order 0): visit rooms are locked before users.
    instances.onRelease((manager, ids) => this.releaseInstances(manager, ids), 0);
    instances.onEvicted(() => this.forgetAll());
    instances.onBeat(async () => {
      await this.markClosedSeatsAbsent();
      await this.expireOverdue();
      await this.closeSeats(await this.store.seatsOfClosedVisits());
    });
  }

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
          ? await this.store.instancesOf(manager, visit.appointment.clinicianId, this.instances.id)
          : [];
      const queued = resumed ? await this.store.takeQueued(manager, appointmentId, side) : [];
      return { queued, clinicianInstances };
    });
    const { before, after } = change;
    const { queued, clinicianInstances } = change.result;
    const previous = before.seats[side];
    const me = after.seats[side] as Seat;
    const resumed = previous !== undefined && !previous.connectionId;
    const repeated = previous?.connectionId === connection.id;
    this.stopGrace(appointmentId, side);
    const room = this.adopt(after, visit.appointment.endsAt);
    // The socket closed while the seat was being taken, too late for `disconnected` to see it.
    if (!connection.isOpen) {
      await this.giveBack(appointmentId, side, connection.id, queued);
      throw SignalingErrors.notInVisit();
    }

    const ack = {
      appointmentId,
      role: side,
      state: me.admitted ? 'admitted' : 'waiting',
      participants: describeSeats(after.seats),
      iceServers: this.iceServers(room, me),
      polite: side === 'patient',
      resumed,
    };
    return ackThen(ack, () => {
      // Taken over, left or ended meanwhile: this join's news is stale.
      if (this.rooms.get(appointmentId)?.snapshot.seats[side]?.connectionId !== connection.id) {
        return;
      }
      this.scheduleIceRefresh(appointmentId, side, connection.id);
      if (repeated) {
        return;
      }
      const other = after.seats[otherSide(side)];
      const frames: Outgoing[] = [];
      if (previous?.connectionId) {
        this.metrics.takenOver();
        frames.push({ to: previous, text: frameOf('session.replaced', { appointmentId }) });
      }
      if (resumed) {
        this.metrics.resumed();
        queued.forEach((text) => connection.sendText(text));
        frames.push({
          to: other,
          text: frameOf('session.peer-reconnected', { appointmentId, userId: me.userId }),
        });
      } else if (inCall(after.seats)) {
        frames.push(...this.peersJoined(after));
      } else if (side === 'patient') {
        this.toEverySocketOf(
          visit.appointment.clinicianId,
          clinicianInstances,
          this.waitingFrame(after),
        );
      } else {
        const waiting = this.waitingFrame(after);
        if (waiting) {
          frames.push({ to: after.seats.clinician, text: waiting });
        }
      }
      this.publish(change, frames);
    });
  }

  admit(connection: Connection, appointmentId: string) {
    return this.lifecycle.auditRefusals(connection.caller, appointmentId, 'admit', () =>
      this.admitWaiting(connection, appointmentId),
    );
  }

  private async admitWaiting(connection: Connection, appointmentId: string) {
    const me = this.requireSeat(connection, appointmentId);
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
    this.adopt(change.after);
    return ackThen({ appointmentId, status: 'in_progress' }, () =>
      this.publish(change, this.peersJoined(change.after)),
    );
  }

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
    const peer = room.snapshot.seats[otherSide(me.side)];
    if (!peer?.admitted) {
      throw SignalingErrors.peerUnavailable();
    }
    const text = signalFrame(appointmentId, me.userId, dto.type, dto.payload);
    this.metrics.signalRelayed();
    const here = peer.instanceId === this.instances.id && peer.connectionId;
    const socket = here ? this.registry.byConnectionId(here) : undefined;
    // The hot path: both sockets here and nothing ahead of this frame.
    if (socket?.isOpen && room.pending === 0) {
      return { appointmentId, delivered: socket.sendText(text) };
    }
    return this.relayInTurn(room, () => this.relay(appointmentId, peer.side, text));
  }

  leave(connection: Connection, appointmentId: string) {
    this.requireSeat(connection, appointmentId);
    return this.vacate(connection, appointmentId, 'left').then(() => ({ appointmentId }));
  }

  end(connection: Connection, appointmentId: string) {
    return this.lifecycle.auditRefusals(connection.caller, appointmentId, 'end', () =>
      this.endVisit(connection, appointmentId),
    );
  }

  private async endVisit(connection: Connection, appointmentId: string) {
    this.requireSeat(connection, appointmentId);
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

  /**
   * Visits closed elsewhere (cancelled, no-show, completed by the system): whoever is still
   * seated gets `session.ended` with the reason, and the seats are cleared.
   */
  private async closeSeats(visits: ClosedVisit[]): Promise<void> {
    const seated = new Set(await this.store.seated(visits.map((v) => v.appointmentId)));
    for (const { appointmentId, reason } of visits.filter((v) => seated.has(v.appointmentId))) {
      const change = await this.store.change(appointmentId, (seats) => {
        delete seats.patient;
        delete seats.clinician;
      });
      this.ended(change, frameOf('session.ended', { appointmentId, reason }));
    }
  }

  /** The visit's seats were all cleared (committed): whoever sat in them gets `ended`. */
  private ended(change: RoomChange<unknown>, ended: string): void {
    const { appointmentId } = change.after;
    const { patient, clinician } = change.before.seats;
    this.stopGrace(appointmentId, 'patient');
    this.stopGrace(appointmentId, 'clinician');
    this.adopt(change.after);
    this.publish(change, [
      { to: patient, text: ended },
      { to: clinician, text: ended },
    ]);
  }

  /** A socket dropped: its visits keep its seat for the grace period. */
  disconnected(connection: Connection): void {
    for (const appointmentId of [...(this.visitsByConnection.get(connection.id) ?? [])]) {
      const room = this.rooms.get(appointmentId);
      const seat = room && seatHeldBy(room.snapshot, connection.id);
      if (seat) {
        this.drops
          .add({ appointmentId, side: seat.side, connectionId: connection.id })
          .catch((error: unknown) =>
            this.logger.error({ err: error }, 'Could not mark a seat absent'),
          );
      }
    }
  }

  onModuleDestroy(): void {
    this.forgetAll();
  }

  private requireSeat(connection: Connection, appointmentId: string): Seat {
    const room = this.rooms.get(appointmentId);
    const seat = room && seatHeldBy(room.snapshot, connection.id);
    if (!seat) {
      throw SignalingErrors.notInVisit();
    }
    return seat;
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
  private async relay(appointmentId: string, side: VisitSide, text: string) {
    const peer = this.rooms.get(appointmentId)?.snapshot.seats[side];
    if (peer?.connectionId && peer.instanceId && peer.instanceId !== this.instances.id) {
      await this.bus.send(peer.instanceId, {
        kind: 'visit.signal',
        appointmentId,
        side,
        connectionId: peer.connectionId,
        text,
      } satisfies SignalMessage);
      return { appointmentId, delivered: true };
    }
    const socket = peer?.connectionId ? this.registry.byConnectionId(peer.connectionId) : undefined;
    if (socket?.isOpen) {
      return { appointmentId, delivered: socket.sendText(text) };
    }
    return this.deliverOrKeep(appointmentId, side, text);
  }

  /**
   * Under the visit's lock: keeps the signal if the participant is reconnecting, or hands it to
   * wherever they are now (they may have come back on another instance meanwhile).
   */
  private async deliverOrKeep(appointmentId: string, side: VisitSide, text: string) {
    const { result: target } = await this.store.change(
      appointmentId,
      async (seats, manager) => {
        const seat = seats[side];
        if (!seat?.admitted) {
          throw SignalingErrors.peerUnavailable();
        }
        // A socket of this instance that is closing counts as gone: its seat is about to be.
        const closing =
          seat.instanceId === this.instances.id &&
          !(seat.connectionId && this.registry.byConnectionId(seat.connectionId)?.isOpen);
        if (!seat.connectionId || closing) {
          await this.store.enqueue(manager, appointmentId, side, text);
          return undefined;
        }
        return seat;
      },
      'signal',
    );
    if (!target) {
      return { appointmentId, delivered: false, queued: true };
    }
    this.send([{ to: target, text }]);
    return { appointmentId, delivered: true };
  }

  private async receiveSignal(message: SignalMessage): Promise<void> {
    const socket = this.registry.byConnectionId(message.connectionId);
    if (socket?.isOpen) {
      socket.sendText(message.text);
      return;
    }
    await this.deliverOrKeep(message.appointmentId, message.side, message.text).catch(
      () => undefined,
    );
  }

  private async vacate(connection: Connection, appointmentId: string, reason: 'left') {
    const change = await this.store.change(appointmentId, (seats) => {
      const seat = seatHeldBy({ appointmentId, version: 0, seats }, connection.id);
      if (!seat) {
        throw SignalingErrors.notInVisit();
      }
      delete seats[seat.side];
      return seat;
    });
    const seat = change.result;
    this.adopt(change.after);
    this.publish(change, [
      {
        to: change.after.seats[otherSide(seat.side)],
        text: frameOf('session.peer-left', { appointmentId, userId: seat.userId, reason }),
      },
    ]);
  }

  /**
   * A resume whose socket closed as it took the seat: the seat is absent again, and the
   * signals the resume had taken are kept again for the next one, in one transaction.
   */
  private async giveBack(
    appointmentId: string,
    side: VisitSide,
    connectionId: string,
    requeue: string[],
  ) {
    const change = await this.store.change(appointmentId, async (seats, manager) => {
      const seat = seats[side];
      if (seat?.connectionId !== connectionId) {
        return [];
      }
      seats[side] = asAbsent(seat);
      for (const frame of requeue) {
        await this.store.enqueue(manager, appointmentId, side, frame);
      }
      return [seat];
    });
    this.reconnecting(change);
  }

  /** Instances stopped (or this one is stopping): their participants are reconnecting. */
  private async releaseInstances(manager: EntityManager, ids: string[]) {
    const visits = await this.store.visitsOn(manager, ids);
    // Every room first, then every user, each in one order: as every other transaction does.
    const seated = await this.store.lockRooms(manager, visits);
    await lockUsers(manager, [...seated, ...(await this.directory.usersOn(manager, ids))]);
    const changes = await this.store.vacateInstances(manager, visits, ids);
    await this.keepUndelivered(manager, ids, changes);
    return () => this.eachCommitted(changes, (change) => this.reconnecting(change));
  }

  /**
   * Signals relayed (and acked as delivered) to sockets of released instances that those may
   * never have handled: kept for their seat, now absent, in the order sent, for the resume.
   * A few handled just before a crash may be given twice (decisions: several instances).
   */
  private async keepUndelivered(
    manager: EntityManager,
    ids: string[],
    changes: RoomChange<Seat[]>[],
  ): Promise<void> {
    const vacated = new Set(
      changes.flatMap((change) =>
        change.result.map(
          (seat) => `${change.after.appointmentId}:${seat.side}:${seat.connectionId}`,
        ),
      ),
    );
    const signals = await this.bus.takeUnhandled<SignalMessage>(manager, ids, 'visit.signal', (m) =>
      vacated.has(`${m.appointmentId}:${m.side}:${m.connectionId}`),
    );
    const dropped = await this.store.requeue(manager, signals);
    if (dropped > 0) {
      this.logger.warn({ dropped }, 'Signals of a released instance over the queue bound');
    }
  }

  /** Seats held by sockets here that are gone (a failed update): their participants are away. */
  private async markClosedSeatsAbsent(): Promise<void> {
    const seats = await this.store.seatsOn(this.instances.id);
    const gone = seats.filter((seat) => !this.registry.byConnectionId(seat.connectionId)?.isOpen);
    await Promise.all(gone.map((seat) => this.drops.add(seat)));
  }

  /** Backstop for grace periods whose timer died with its instance. */
  private async expireOverdue(): Promise<void> {
    const overdue = await this.store.expiredSeats();
    await Promise.all(overdue.map((seat) => this.expiries.add(seat)));
  }

  /** A newer snapshot from another instance, and frames for sockets here. */
  private applyRemote(message: RoomMessage): void {
    const known = this.rooms.get(message.room.appointmentId);
    if (known && known.snapshot.version < message.room.version) {
      this.adopt(message.room);
    }
    for (const { connectionId, text } of message.frames) {
      this.registry.byConnectionId(connectionId)?.sendText(text);
    }
  }

  /**
   * Takes a snapshot as this instance's view of the visit if it is newer; forgets the visit
   * once none of its seats is held here.
   */
  private adopt(snapshot: RoomSnapshot, endsAt?: Date): LocalRoom {
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
    for (const side of ['patient', 'clinician'] as const) {
      const seat = room.snapshot.seats[side];
      if (seat?.instanceId !== this.instances.id) {
        clearTimeout(this.iceTimers.get(`${id}:${side}`));
        this.iceTimers.delete(`${id}:${side}`);
      }
    }
    const { patient, clinician } = room.snapshot.seats;
    const kept =
      patient?.instanceId === this.instances.id || clinician?.instanceId === this.instances.id;
    if (kept) {
      this.rooms.set(id, room);
    } else {
      this.rooms.delete(id);
    }
    this.reindex(id, before, kept ? room.snapshot.seats : undefined);
    this.metrics.seen(room.snapshot);
    return room;
  }

  /** Moves the visit's entries in `visitsByConnection` from the seats it had to those it has. */
  private reindex(appointmentId: string, before: Seats | undefined, after: Seats | undefined) {
    for (const connectionId of [before?.patient?.connectionId, before?.clinician?.connectionId]) {
      const visits = connectionId ? this.visitsByConnection.get(connectionId) : undefined;
      if (connectionId && visits?.delete(appointmentId) && visits.size === 0) {
        this.visitsByConnection.delete(connectionId);
      }
    }
    for (const seat of [after?.patient, after?.clinician]) {
      if (seat?.connectionId) {
        const visits = this.visitsByConnection.get(seat.connectionId) ?? new Set<string>();
        this.visitsByConnection.set(seat.connectionId, visits.add(appointmentId));
      }
    }
  }

  /** Sends the frames and tells the other instances involved about the new snapshot. */
  private publish(change: RoomChange<unknown>, frames: Outgoing[]): void {
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

  private send(frames: Outgoing[], alsoTell = new Set<string>(), snapshot?: RoomSnapshot): void {
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
      this.bus
        .send(instanceId, { kind: 'visit.room', room, frames: forThem } satisfies RoomMessage)
        .catch((error: unknown) =>
          this.logger.error({ err: error, instanceId }, 'Could not tell an instance'),
        );
    }
  }

  /** Each side learns about the other: a fresh peer to negotiate with. */
  private peersJoined(room: RoomSnapshot): Outgoing[] {
    const { patient, clinician } = room.seats;
    return [
      [patient, clinician],
      [clinician, patient],
    ].map(([to, about]) => ({
      to,
      text: frameOf('session.peer-joined', {
        appointmentId: room.appointmentId,
        userId: about?.userId,
        role: about?.side,
        displayName: about?.displayName,
      }),
    }));
  }

  /** `session.waiting` about the room's patient (joined, not yet admitted). */
  private waitingFrame(room: RoomSnapshot): string | undefined {
    const { patient } = room.seats;
    if (!patient?.connectionId || patient.admitted) {
      return undefined;
    }
    return frameOf('session.waiting', {
      appointmentId: room.appointmentId,
      patient: { userId: patient.userId, displayName: patient.displayName },
    });
  }

  /** A frame for every open socket of the user: here, and on the other instances holding one. */
  private toEverySocketOf(userId: string, instanceIds: string[], text: string | undefined): void {
    if (text === undefined) {
      return;
    }
    this.toSocketsHere(userId, text);
    for (const instanceId of instanceIds) {
      this.bus
        .send(instanceId, { kind: 'visit.user', userId, text } satisfies UserMessage)
        .catch((error: unknown) =>
          this.logger.error({ err: error, instanceId }, 'Could not tell an instance'),
        );
    }
  }

  private toSocketsHere(userId: string, text: string): void {
    for (const socket of this.registry.forUser(userId)) {
      socket.sendText(text);
    }
  }

  /**
   * Follows up each committed change of a batch on its own: one that fails is logged, and the
   * others (and the batch, which must not be run again) go on.
   */
  private eachCommitted(
    changes: RoomChange<Seat[]>[],
    follow: (change: RoomChange<Seat[]>) => void,
  ) {
    for (const change of changes) {
      try {
        follow(change);
      } catch (error) {
        this.logger.error({ err: error }, 'Could not follow up a visit change');
      }
    }
  }

  /** Seats given up after their grace (committed): their peers are told. */
  private left(change: RoomChange<Seat[]>): void {
    this.metrics.expired(change.result.length);
    this.adopt(change.after);
    this.publish(
      change,
      change.result.map((seat) => ({
        to: change.after.seats[otherSide(seat.side)],
        text: frameOf('session.peer-left', {
          appointmentId: change.after.appointmentId,
          userId: seat.userId,
          reason: 'disconnected',
        }),
      })),
    );
  }

  /** Seats went absent (committed): their grace starts, and their peers are told. */
  private reconnecting(change: RoomChange<Seat[]>): void {
    this.adopt(change.after);
    const sides = change.result.map((seat) => seat.side);
    sides.forEach((side) => this.startGrace(change.after.appointmentId, side));
    this.publish(
      change,
      sides.flatMap((side) => this.peerReconnecting(change.after, side)),
    );
  }

  private peerReconnecting(room: RoomSnapshot, side: VisitSide): Outgoing[] {
    const seat = room.seats[side] as Seat;
    return [
      {
        to: room.seats[otherSide(side)],
        text: frameOf('session.peer-reconnecting', {
          appointmentId: room.appointmentId,
          userId: seat.userId,
        }),
      },
    ];
  }

  private startGrace(appointmentId: string, side: VisitSide): void {
    this.stopGrace(appointmentId, side);
    const timer = setTimeout(() => {
      this.graceTimers.delete(`${appointmentId}:${side}`);
      this.expiries
        .add({ appointmentId, side })
        .catch((error: unknown) =>
          this.logger.error({ err: error }, 'Could not end a grace period'),
        );
    }, this.config.visits.resumeGraceSeconds * 1000);
    timer.unref();
    this.graceTimers.set(`${appointmentId}:${side}`, timer);
  }

  private stopGrace(appointmentId: string, side: VisitSide): void {
    clearTimeout(this.graceTimers.get(`${appointmentId}:${side}`));
    this.graceTimers.delete(`${appointmentId}:${side}`);
  }

  private forgetAll(): void {
    [...this.graceTimers.values(), ...this.iceTimers.values()].forEach(clearTimeout);
    this.graceTimers.clear();
    this.iceTimers.clear();
    this.rooms.clear();
    this.visitsByConnection.clear();
  }

  private credentialsExpireAt(room: LocalRoom): Date {
    const base = Math.max(room.endsAt.getTime(), Date.now());
    return new Date(base + this.config.ice.turnCredentialMarginSeconds * 1000);
  }

  private iceServers(room: LocalRoom, seat: Seat) {
    return iceServersFor(this.config.ice, seat.userId, this.credentialsExpireAt(room));
  }

  /** A visit running over gets fresh TURN credentials before the ones it holds expire. */
  private scheduleIceRefresh(appointmentId: string, side: VisitSide, connectionId: string): void {
    const key = `${appointmentId}:${side}`;
    clearTimeout(this.iceTimers.get(key));
    this.iceTimers.delete(key);
    const room = this.rooms.get(appointmentId);
    const seat = room?.snapshot.seats[side];
    if (!room || seat?.connectionId !== connectionId) {
      return;
    }
    if (!this.config.ice.turnSecret || this.config.ice.turnUrls.length === 0) {
      return;
    }
    const margin = this.config.ice.turnCredentialMarginSeconds * 1000;
    const lead = Math.min(5 * 60_000, margin / 2);
    const delay = this.credentialsExpireAt(room).getTime() - lead - Date.now();
    const timer = setTimeout(
      () => {
        this.registry.byConnectionId(connectionId)?.send('session.ice-servers', {
          appointmentId,
          iceServers: this.iceServers(room, seat),
        });
        this.scheduleIceRefresh(appointmentId, side, connectionId);
      },
      Math.max(delay, 1000),
    );
    timer.unref();
    this.iceTimers.set(key, timer);
  }
}

function frameOf(event: string, data: object): string {
  return JSON.stringify({ event, data });
}
