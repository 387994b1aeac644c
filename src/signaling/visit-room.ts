import type { VisitSide } from '../appointments/visit-lifecycle.service';
import type { Connection } from '../realtime/connection';

/** At most this many frames wait for a participant who is reconnecting. */
export const MAX_QUEUED_FRAMES = 256;

export interface Participant {
  side: VisitSide;
  userId: string;
  displayName: string;
  /** Undefined while the participant's socket is gone and the grace period runs. */
  connection: Connection | undefined;
  admitted: boolean;
  /** Last call state reported to presence. */
  inCall?: boolean;
  /** Serialised frames for a reconnecting participant, delivered in order on return. */
  queue: string[];
  graceTimer?: NodeJS.Timeout;
  iceTimer?: NodeJS.Timeout;
}

/** One visit's participants on this instance. */
export class VisitRoom {
  readonly participants: Partial<Record<VisitSide, Participant>> = {};

  constructor(
    readonly appointmentId: string,
    public endsAt: Date,
  ) {}

  get isEmpty(): boolean {
    return !this.participants.patient && !this.participants.clinician;
  }

  other(side: VisitSide): Participant | undefined {
    return this.participants[side === 'patient' ? 'clinician' : 'patient'];
  }

  sideOf(connection: Connection): Participant | undefined {
    return [this.participants.patient, this.participants.clinician].find(
      (p) => p?.connection === connection,
    );
  }

  /** Both sides admitted and connected: media can flow. */
  get inCall(): boolean {
    const { patient, clinician } = this.participants;
    return Boolean(
      patient?.admitted && patient.connection && clinician?.admitted && clinician.connection,
    );
  }

  describe() {
    return [this.participants.patient, this.participants.clinician]
      .filter((p): p is Participant => p !== undefined)
      .map((p) => ({
        userId: p.userId,
        role: p.side,
        displayName: p.displayName,
        state: !p.connection ? 'reconnecting' : p.admitted ? 'admitted' : 'waiting',
      }));
  }
}

export function clearTimers(participant: Participant): void {
  clearTimeout(participant.graceTimer);
  clearTimeout(participant.iceTimer);
}
