/// <reference lib="dom" />
import wrtc from '@roamhq/wrtc';
import type { ParticipantRole, SessionJoinResult } from '../../client/protocol';
import type { TelevisitSocket } from '../../client/televisit-socket';
import { TypedEmitter } from '../../client/typed-emitter';
import { VisitCall, type CallState } from '../../client/visit-call';

const A = '00000000-0000-4000-8000-00000000000a';

interface Seat {
  userId: string;
  role: ParticipantRole;
  displayName: string;
  admitted: boolean;
  socket: FakeSocket;
}

/**
 * The server side of PRODUCT §9 as the contract states it, in memory: a waiting room the host
 * admits from (the patient first), `peer-joined` to each pair with who is polite, signals
 * relayed by `to` with `from` set, and removal. Enough to drive real VisitCalls in a mesh.
 */
class FakeVisitServer {
  readonly seats = new Map<string, Seat>();
  constructor(readonly hostId: string) {}

  join(seat: Seat): SessionJoinResult {
    this.seats.set(seat.userId, seat);
    const host = this.seats.get(this.hostId);
    if (seat.userId === this.hostId) {
      seat.admitted = true;
    } else if (host) {
      const participant = { userId: seat.userId, role: seat.role, displayName: seat.displayName };
      host.socket.push('session.waiting', {
        appointmentId: A,
        participant,
        ...(seat.role === 'patient' ? { patient: participant } : {}),
      });
    }
    return {
      appointmentId: A,
      role: seat.role,
      state: seat.admitted ? 'admitted' : 'waiting',
      participants: [...this.seats.values()].map((s) => ({
        userId: s.userId,
        role: s.role,
        displayName: s.displayName,
        state: s.admitted ? 'admitted' : 'waiting',
        polite: this.polite(seat.userId, s.userId),
      })),
      iceServers: [],
      polite: seat.role === 'patient',
      resumed: false,
    };
  }

  /** Per pair: whoever joined the visit later is polite (any fixed rule will do). */
  polite(me: string, other: string): boolean {
    const order = [...this.seats.keys()];
    return order.indexOf(me) > order.indexOf(other);
  }

  admit(userId: string | undefined): void {
    const target = userId ?? [...this.seats.values()].find((s) => s.role === 'patient')?.userId;
    const seat = target ? this.seats.get(target) : undefined;
    if (!seat) {
      throw Object.assign(new Error('nobody waits'), { code: 'NO_PATIENT_WAITING' });
    }
    const patientIn = [...this.seats.values()].some((s) => s.role === 'patient' && s.admitted);
    if (seat.role !== 'patient' && !patientIn) {
      throw Object.assign(new Error('patient first'), { code: 'PATIENT_NOT_ADMITTED' });
    }
    seat.admitted = true;
    for (const other of this.seats.values()) {
      if (other.admitted && other !== seat) {
        this.peerJoined(other, seat);
        this.peerJoined(seat, other);
      }
    }
  }

  remove(userId: string): void {
    const seat = this.seats.get(userId)!;
    this.seats.delete(userId);
    seat.socket.push('session.ended', { appointmentId: A, reason: 'removed' });
    for (const other of this.seats.values()) {
      other.socket.push('session.peer-left', { appointmentId: A, userId, reason: 'removed' });
    }
  }

  relay(from: string, data: { to?: string; type: string; payload: unknown }): void {
    const others = [...this.seats.values()].filter((s) => s.admitted && s.userId !== from);
    const to = data.to ? this.seats.get(data.to) : others.length === 1 ? others[0] : undefined;
    if (to?.admitted) {
      to.socket.push('signal', { appointmentId: A, from, type: data.type, payload: data.payload });
    }
  }

  private peerJoined(to: Seat, about: Seat): void {
    to.socket.push('session.peer-joined', {
      appointmentId: A,
      userId: about.userId,
      role: about.role,
      displayName: about.displayName,
      polite: this.polite(to.userId, about.userId),
    });
  }
}

/** What VisitCall uses of a TelevisitSocket, talking to the fake server. */
class FakeSocket extends TypedEmitter<Record<string, unknown>> {
  constructor(
    private readonly server: FakeVisitServer,
    private readonly who: Omit<Seat, 'socket' | 'admitted'>,
  ) {
    super();
  }

  push(event: string, data: unknown): void {
    // Frames arrive in their own turn, as off a socket.
    setImmediate(() => this.emitUnchecked(event, data));
  }

  request(event: string, data: { userId?: string }): Promise<unknown> {
    return new Promise((resolve, reject) =>
      setImmediate(() => {
        try {
          switch (event) {
            case 'session.join':
              return resolve(this.server.join({ ...this.who, admitted: false, socket: this }));
            case 'session.admit':
              return resolve(this.server.admit(data.userId));
            case 'session.remove':
              return resolve(this.server.remove(data.userId!));
            default:
              return resolve({});
          }
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      }),
    );
  }

  send(event: string, data: { to?: string; type: string; payload: unknown }): boolean {
    if (event === 'signal') {
      setImmediate(() => this.server.relay(this.who.userId, data));
    }
    return true;
  }
}

function reach(call: VisitCall, state: CallState, timeoutMs = 15_000): Promise<void> {
  if (call.state === state) {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`stayed ${call.state}, never ${state}`)),
      timeoutMs,
    );
    const off = call.on('state', (next) => {
      if (next === state) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}

function allConnected(call: VisitCall, userIds: string[], timeoutMs = 15_000): Promise<void> {
  const done = () => userIds.every((id) => call.pcOf(id)?.connectionState === 'connected');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`not connected to all of ${userIds.join(', ')}`));
    }, timeoutMs);
    const check = () => {
      if (done()) {
        clearTimeout(timer);
        off();
        resolve();
      }
    };
    const off = call.on('peer-connection', check);
    check();
  });
}

/**
 * VisitCall in a visit of three with real WebRTC (@roamhq/wrtc) over a fake server that follows
 * the contract of PRODUCT §9: one peer connection per pair, each one connected.
 */
describe('VisitCall in a mesh of three (real WebRTC, contract-following fake server)', () => {
  const calls: VisitCall[] = [];
  afterEach(async () => {
    for (const call of calls.splice(0)) {
      await call.leave().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  });

  function participant(
    server: FakeVisitServer,
    userId: string,
    role: ParticipantRole,
    name: string,
  ) {
    const socket = new FakeSocket(server, { userId, role, displayName: name });
    const call = new VisitCall(socket as unknown as TelevisitSocket, A, {
      RTCPeerConnection: wrtc.RTCPeerConnection,
      dataChannel: 'probe',
      userId,
    });
    calls.push(call);
    return call;
  }

  it('connects every pair once the host admits the patient, then the interpreter; removal ends only theirs', async () => {
    const server = new FakeVisitServer('host');
    const host = participant(server, 'host', 'clinician', 'Dr Ada');
    const patient = participant(server, 'pat', 'patient', 'Sam');
    const interpreter = participant(server, 'int', 'interpreter', 'Ines');
    const rooms: string[][] = [];
    host.on('waiting-room', (list) => rooms.push(list.map((w) => w.userId)));

    await host.join();
    await interpreter.join();
    await patient.join();
    expect(interpreter.state).toBe('waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The patient first, whoever came first.
    expect(host.waitingRoom.map((w) => w.userId)).toEqual(['pat', 'int']);
    await expect(host.admit('int')).rejects.toMatchObject({ code: 'PATIENT_NOT_ADMITTED' });

    await host.admit();
    await host.admit('int');
    await Promise.all([reach(patient, 'connected'), reach(interpreter, 'connected')]);
    await Promise.all([
      allConnected(host, ['pat', 'int']),
      allConnected(patient, ['host', 'int']),
      allConnected(interpreter, ['host', 'pat']),
    ]);
    expect(host.waitingRoom).toEqual([]);
    expect(rooms.at(-1)).toEqual([]);
    expect(host.peers.map((p) => [p.userId, p.role])).toEqual([
      ['pat', 'patient'],
      ['int', 'interpreter'],
    ]);
    // One connection per pair, not one shared.
    expect(host.pcOf('pat')).not.toBe(host.pcOf('int'));

    const left = new Promise((resolve) => patient.once('peer-left', resolve));
    await host.remove('int');
    await reach(interpreter, 'removed');
    await expect(left).resolves.toEqual({ userId: 'int', reason: 'removed' });
    expect(patient.pcOf('int')).toBeNull();
    expect(patient.pcOf('host')?.connectionState).toBe('connected');
    expect(patient.state).toBe('connected');
  }, 40_000);
});
