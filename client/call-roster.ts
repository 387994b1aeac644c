import type {
  Participant,
  ParticipantRole,
  ParticipantState,
  SessionJoinResult,
  WaitingParticipant,
} from './protocol.js';

export interface Peer {
  userId: string;
  role: ParticipantRole;
  displayName: string;
}

export interface RosterEntry extends Peer {
  state: ParticipantState;
  /** Whether we are the polite side toward this one; unknown from servers before guests. */
  polite?: boolean;
}

/**
 * Who else is in a visit, as the join ack and the session events tell one participant: the
 * admitted ones (one peer connection each) and the waiting ones (the host admits them). Pure:
 * no sockets, no peer connections, so its rules are unit-tested alone.
 */
export class CallRoster {
  private readonly others = new Map<string, RosterEntry>();
  private me: string | null = null;
  private shown: WaitingParticipant[] = [];

  /** Our own user id, once known (given, or told apart in the join ack). */
  get self(): string | null {
    return this.me;
  }

  /**
   * Starts over from a join ack. The ack lists everyone, us included: we are `selfId` when
   * known, else the one participant with our role (unambiguous in a visit of two).
   */
  fromJoin(result: SessionJoinResult, selfId?: string): void {
    const mine = result.participants.filter((p) => p.role === result.role);
    this.me = selfId ?? (mine.length === 1 ? mine[0].userId : (this.me ?? null));
    this.others.clear();
    for (const p of result.participants) {
      if (p.userId !== this.me) {
        this.others.set(p.userId, entryOf(p));
      }
    }
  }

  get(userId: string): RosterEntry | undefined {
    return this.others.get(userId);
  }

  /** Everyone else in the visit (admitted, or away within the grace), in order of arrival. */
  admitted(): RosterEntry[] {
    return [...this.others.values()].filter((p) => p.state !== 'waiting').map((p) => ({ ...p }));
  }

  /** The waiting room: the patient first (the host must let them in before any guest). */
  waiting(): WaitingParticipant[] {
    return [...this.others.values()]
      .filter((p) => p.state === 'waiting')
      .sort((a, b) => Number(b.role === 'patient') - Number(a.role === 'patient'))
      .map(({ userId, role, displayName }) => ({ userId, role, displayName }));
  }

  /**
   * What changed in the waiting room since last asked (null: nothing). Only the host is shown
   * it (`host` false: always empty).
   */
  waitingNews(host: boolean): { list: WaitingParticipant[]; patientChanged: boolean } | null {
    const before = this.shown;
    const list = host ? this.waiting() : [];
    if (JSON.stringify(before) === JSON.stringify(list)) {
      return null;
    }
    this.shown = list;
    const patientOf = (all: WaitingParticipant[]) => all.find((p) => p.role === 'patient')?.userId;
    return { list, patientChanged: patientOf(before) !== patientOf(list) };
  }

  /** The patient is in the visit: guests may be admitted now. */
  get patientAdmitted(): boolean {
    return this.admitted().some((p) => p.role === 'patient');
  }

  /** Someone entered the waiting room (never demotes someone already in). */
  arrived(who: WaitingParticipant): void {
    if (who.userId !== this.me && !this.others.has(who.userId)) {
      this.others.set(who.userId, { ...who, state: 'waiting' });
    }
  }

  /** Admitted, or back after leaving: a fresh peer to negotiate with. */
  joined(peer: Peer & { polite?: boolean }): RosterEntry {
    const entry: RosterEntry = {
      userId: peer.userId,
      role: peer.role,
      displayName: peer.displayName,
      state: 'admitted',
      polite: peer.polite,
    };
    this.others.delete(peer.userId);
    this.others.set(peer.userId, entry);
    return entry;
  }

  /** Gone (left, dropped past the grace, removed); returns who it was. */
  left(userId: string): RosterEntry | undefined {
    const entry = this.others.get(userId);
    this.others.delete(userId);
    return entry;
  }

  /** The host let them in: out of the waiting room until `peer-joined` says they are in. */
  admittedByUs(userId: string): void {
    if (this.others.get(userId)?.state === 'waiting') {
      this.others.delete(userId);
    }
  }

  setState(userId: string, state: 'admitted' | 'reconnecting'): void {
    const entry = this.others.get(userId);
    // A waiting one whose socket drops stays in the waiting room.
    if (entry && entry.state !== 'waiting') {
      entry.state = state;
    }
  }

  /** Our role toward `userId` in perfect negotiation; `fallback` is the ack's top-level one. */
  politeToward(userId: string, fallback: boolean): boolean {
    return this.others.get(userId)?.polite ?? fallback;
  }

  /** As politeToward, for one admitted (or away); undefined for anyone else. */
  politeIfIn(userId: string, fallback: boolean): boolean | undefined {
    const entry = this.others.get(userId);
    return entry && entry.state !== 'waiting' ? (entry.polite ?? fallback) : undefined;
  }

  /** Empties the waiting room (the visit is over for us). */
  clearWaiting(): void {
    for (const [id, p] of this.others) {
      if (p.state === 'waiting') {
        this.others.delete(id);
      }
    }
  }
}

function entryOf(p: Participant): RosterEntry {
  return {
    userId: p.userId,
    role: p.role,
    displayName: p.displayName,
    state: p.state,
    polite: p.polite,
  };
}
