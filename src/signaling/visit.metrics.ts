import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../metrics/metrics-registry';
import { callPeersOf, RoomSnapshot, seatOnSide } from './visit-room';

/**
 * Visits, as Prometheus sees them. No label names a person or a visit. Each instance counts
 * the visits whose patient is seated on it, so the instances' sums count every visit once.
 */
@Injectable()
export class VisitMetrics {
  private readonly relayed: Counter;
  private readonly resumes: Counter<'outcome'>;
  private readonly takeovers: Counter;
  private readonly waited: Histogram;
  /** When each patient seated here started waiting (admitted elsewhere, seen in a snapshot). */
  private readonly waitingSince = new Map<string, number>();
  private rooms: () => Iterable<RoomSnapshot> = () => [];
  private here: () => string = () => '';

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const countRooms = () => this.countRooms();
    new Gauge({
      name: 'televisit_visits',
      help: 'Visits whose patient is seated on this instance, waiting or in call',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const counts = countRooms();
        this.set({ state: 'waiting' }, counts.waiting);
        this.set({ state: 'in_call' }, counts.inCall);
      },
    });
    this.waited = new Histogram({
      name: 'televisit_visit_waiting_seconds',
      help: 'Time a patient spent in the waiting room until admitted',
      buckets: [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
      registers: [registry],
    });
    this.relayed = new Counter({
      name: 'televisit_visit_signals_relayed_total',
      help: 'Signals (offers, answers, ICE candidates) relayed between participants',
      registers: [registry],
    });
    this.resumes = new Counter({
      name: 'televisit_visit_resumes_total',
      help: 'Participants who dropped: back within the grace period, or their seat expired',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.takeovers = new Counter({
      name: 'televisit_visit_takeovers_total',
      help: 'Seats taken over by another socket of the same participant',
      registers: [registry],
    });
  }

  /** The visits this instance keeps, read when Prometheus scrapes. */
  watch(here: () => string, rooms: () => Iterable<RoomSnapshot>): void {
    this.here = here;
    this.rooms = rooms;
  }

  signalRelayed(): void {
    this.relayed.inc();
  }

  resumed(): void {
    this.resumes.inc({ outcome: 'succeeded' });
  }

  expired(count: number): void {
    this.resumes.inc({ outcome: 'expired' }, count);
  }

  takenOver(): void {
    this.takeovers.inc();
  }

  /** A room as this instance now sees it: a patient here starts or stops waiting. */
  seen(room: RoomSnapshot): void {
    const patient = seatOnSide(room.seats, 'patient');
    const id = room.appointmentId;
    const here = patient?.instanceId === this.here() && patient.connectionId;
    if (here && !patient.admitted) {
      if (!this.waitingSince.has(id)) {
        this.waitingSince.set(id, Date.now());
      }
      return;
    }
    const since = this.waitingSince.get(id);
    if (since !== undefined && here && patient.admitted) {
      this.waited.observe((Date.now() - since) / 1000);
    }
    this.waitingSince.delete(id);
  }

  private countRooms() {
    let waiting = 0;
    let calls = 0;
    const here = this.here();
    for (const room of this.rooms()) {
      const patient = seatOnSide(room.seats, 'patient');
      if (patient?.instanceId !== here || !patient.connectionId) {
        continue;
      }
      if (!patient.admitted) {
        waiting += 1;
      } else if (callPeersOf(room.seats, patient.userId).length > 0) {
        calls += 1;
      }
    }
    return { waiting, inCall: calls };
  }
}
