import { Injectable, Logger } from '@nestjs/common';

/** Why a visit closed without its clinician ending it, as `session.ended` tells the seated. */
export type ClosedReason = 'cancelled' | 'no_show' | 'completed';

export interface ClosedVisit {
  appointmentId: string;
  reason: ClosedReason;
}

/**
 * Visits that closed by a status change outside the visit room (REST cancel and no-show, the
 * scheduler): told to whoever holds the visit's seats (the signaling side, which registers
 * here), after the change has committed. A participant seated meanwhile is found by the
 * signaling side's own sweep.
 */
@Injectable()
export class VisitClosures {
  private readonly logger = new Logger(VisitClosures.name);
  private handler: (visits: ClosedVisit[]) => Promise<void> = () => Promise.resolve();

  onClosed(handler: (visits: ClosedVisit[]) => Promise<void>): void {
    this.handler = handler;
  }

  /** Call once the change has committed; never fails the request that closed them. */
  closed(visits: ClosedVisit[]): void {
    if (visits.length === 0) {
      return;
    }
    this.handler(visits).catch((error: unknown) =>
      this.logger.error({ err: error }, 'Could not close the seats of closed visits'),
    );
  }
}
