import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { sql } from '../database/sql';
import { ReminderMetrics } from './reminder.metrics';
import type { NewNotification } from '../notifications/notification.entity';
import { NotificationsService } from '../notifications/notifications.service';
import { UsersService } from '../users/users.service';
import { appointmentData } from './appointment-notices';
import { Appointment } from './appointment.entity';
import { ContactsService } from './contacts.service';
import { ClosedReason, VisitClosures } from './visit-closures';

const BATCH = 100;
/** A visit still in progress this long past its end, with nobody in it, was left open. */
const ABANDONED_AFTER_MS = 60 * 60_000;

/**
 * Time-driven work: reminders 24 h and 10 min before a visit, marking visits nobody admitted
 * as no-shows, and completing visits left in progress with nobody in them an hour past their
 * end. Due rows are claimed with FOR UPDATE SKIP LOCKED and settled in the transaction
 * that writes their notifications, so each fires once however many instances poll, and a crash
 * mid-way leaves them to be claimed again.
 */
@Injectable()
export class VisitSchedulerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(VisitSchedulerService.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly notifications: NotificationsService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly metrics: ReminderMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly closures: VisitClosures,
    private readonly contacts: ContactsService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.scheduler.pollIntervalMs === 0) {
      return;
    }
    this.timer = setInterval(() => {
      this.running ??= this.runOnce()
        .then(() => undefined)
        .catch((error: unknown) => this.logger.error({ err: error }, 'Scheduler run failed'))
        .finally(() => (this.running = undefined));
    }, this.config.scheduler.pollIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass: everything due at `now`. Returns how many reminders and visits it settled. */
  async runOnce(
    now = this.clock.now(),
  ): Promise<{ reminders: number; noShows: number; abandoned: number }> {
    let reminders = 0;
    let noShows = 0;
    let abandoned = 0;
    for (let sent = BATCH; sent === BATCH; reminders += sent) {
      sent = await this.sendDueReminders(now);
    }
    for (let marked = BATCH; marked === BATCH; noShows += marked) {
      marked = await this.closing('no_show', () => this.markMissedVisits(now));
    }
    for (let done = BATCH; done === BATCH; abandoned += done) {
      done = await this.closing('completed', () => this.completeAbandonedVisits(now));
    }
    return { reminders, noShows, abandoned };
  }

  /** Runs a batch that closes visits; once it has committed, anyone seated in them is told. */
  private async closing(reason: ClosedReason, batch: () => Promise<string[]>): Promise<number> {
    const ids = await batch();
    this.closures.closed(ids.map((appointmentId) => ({ appointmentId, reason })));
    return ids.length;
  }

  private sendDueReminders(now: Date): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const due = await sql<{ appointment_id: string; kind: string; due_at: Date }>(
        manager,
        `UPDATE appointment_reminders r SET sent_at = $1
           FROM (SELECT d.appointment_id, d.kind FROM appointment_reminders d
                   JOIN appointments a ON a.id = d.appointment_id
                  WHERE d.sent_at IS NULL AND d.due_at <= $1
                  ORDER BY d.due_at LIMIT $2
                  -- A visit being changed right now (cancel, reschedule) is skipped until next time.
                    FOR UPDATE OF d, a SKIP LOCKED) due
          WHERE r.appointment_id = due.appointment_id AND r.kind = due.kind
          RETURNING r.appointment_id, r.kind, r.due_at`,
        [now, BATCH],
      );
      const notices: NewNotification[] = [];
      const dayAhead: string[] = [];
      for (const { appointment_id: id, kind } of due) {
        const appointment = await manager.getRepository(Appointment).findOneBy({ id });
        // A reminder for a visit no longer on, or already begun, is settled without a word.
        if (!appointment || appointment.status !== 'scheduled' || appointment.startsAt <= now) {
          continue;
        }
        const names = await this.users.partyNames(appointment, manager);
        for (const userId of [appointment.patientId, appointment.clinicianId]) {
          notices.push({
            userId,
            type: 'appointment.reminder',
            data: appointmentData(appointment, userId, names, { reminder: kind }),
          });
        }
        if (kind === '24h') {
          dayAhead.push(id);
        }
      }
      await this.notifications.add(manager, notices);
      // The visit has come within the contact horizon (the 24 h reminder is due then).
      await this.contacts.cameWithinHorizon(manager, dayAhead, now);
      const sentAt = this.clock.now().getTime();
      due.forEach((row) => this.metrics.sentLate((sentAt - row.due_at.getTime()) / 1000));
      return due.length;
    });
  }

  /** A visit whose end (plus grace) passed while still scheduled was never admitted. */
  private markMissedVisits(now: Date): Promise<string[]> {
    const graceMs = this.config.scheduler.noShowGraceMinutes * 60_000;
    return this.dataSource.transaction(async (manager) => {
      const missed = await sql<{ id: string }>(
        manager,
        `UPDATE appointments a SET status = 'no_show', version = version + 1, updated_at = now()
           FROM (SELECT id FROM appointments
                  WHERE status = 'scheduled' AND ends_at <= $1
                  ORDER BY ends_at LIMIT $2 FOR UPDATE SKIP LOCKED) late
          WHERE a.id = late.id
          RETURNING a.id`,
        [new Date(now.getTime() - graceMs), BATCH],
      );
      const notices: NewNotification[] = [];
      for (const { id } of missed) {
        const appointment = await manager.getRepository(Appointment).findOneByOrFail({ id });
        await manager.query(
          `DELETE FROM appointment_reminders WHERE appointment_id = $1 AND sent_at IS NULL`,
          [id],
        );
        await this.audit.record(
          {
            actorId: null,
            action: 'appointment.no_show',
            outcome: 'success',
            target: { type: 'appointment', id },
            details: { automatic: true },
            origin: { ip: null, requestId: null },
          },
          manager,
        );
        const names = await this.users.partyNames(appointment, manager);
        notices.push({
          userId: appointment.patientId,
          type: 'session.missed',
          data: appointmentData(appointment, appointment.patientId, names),
        });
      }
      await this.notifications.add(manager, notices);
      return missed.map((row) => row.id);
    });
  }

  /**
   * A visit in progress an hour past its end with no seat left (both sides gone, their grace
   * over) was never ended: the system completes it, audited with no actor.
   */
  private completeAbandonedVisits(now: Date): Promise<string[]> {
    return this.dataSource.transaction(async (manager) => {
      const abandoned = await sql<{ id: string }>(
        manager,
        `UPDATE appointments a SET status = 'completed', ended_at = $3, version = version + 1,
                updated_at = now()
           FROM (SELECT id FROM appointments p
                  WHERE status = 'in_progress' AND ends_at <= $1
                    AND NOT EXISTS (SELECT 1 FROM visit_seats s WHERE s.appointment_id = p.id)
                  ORDER BY ends_at LIMIT $2 FOR UPDATE SKIP LOCKED) gone
          WHERE a.id = gone.id
          RETURNING a.id`,
        [new Date(now.getTime() - ABANDONED_AFTER_MS), BATCH, now],
      );
      for (const { id } of abandoned) {
        await this.audit.record(
          {
            actorId: null,
            action: 'visit.end',
            outcome: 'success',
            target: { type: 'appointment', id },
            details: { automatic: true, reason: 'abandoned' },
            origin: { ip: null, requestId: null },
          },
          manager,
        );
      }
      return abandoned.map((row) => row.id);
    });
  }
}
