import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/caller';
import { Clock } from '../common/clock';
import { decodeCursor, Page, toPage } from '../common/pagination';
import type { NotificationType } from '../notifications/notification.entity';
import { NotificationsService } from '../notifications/notifications.service';
import { AvailabilityService, Buffers } from '../scheduling/availability.service';
import { UsersService } from '../users/users.service';
import { appointmentData, noticesForChange } from './appointment-notices';
import { ContactsService } from './contacts.service';
import { cancelReminders, scheduleReminders } from './reminders';
import { retryOnDeadlock } from '../database/deadlock-retry';
import { sql } from '../database/sql';
import { AppointmentAccessService } from './appointment-access.service';
import { AppointmentStatus, canTransition } from './appointment-status';
import {
  Appointment,
  APPOINTMENT_LIST_COLUMNS,
  AppointmentListItem,
  AppointmentView,
  toAppointmentView,
} from './appointment.entity';
import { AppointmentsErrors } from './appointments.errors';
import { changeStatus } from './status-change';
import { VisitClosures } from './visit-closures';
import { assertBookableSlot } from './booking-rules';
import { lockDiaries } from './diary-locks';
import type { UpdateAppointmentDto } from './dto/update-appointment.dto';
import { translateOverlap } from './overlap-error';

export interface AppointmentFilter {
  from?: Date;
  to?: Date;
  status?: AppointmentStatus;
}

/** Reading, rescheduling and status changes of appointments, always scoped to the caller. */
@Injectable()
export class AppointmentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AppointmentAccessService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly users: UsersService,
    private readonly notifications: NotificationsService,
    private readonly closures: VisitClosures,
    private readonly availability: AvailabilityService,
    private readonly contacts: ContactsService,
  ) {}

  /** The caller's own appointments (an admin's: everyone's), by start time. */
  async list(
    caller: Caller,
    filter: AppointmentFilter,
    cursor: string | undefined,
    limit: number,
  ): Promise<Page<AppointmentListItem>> {
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const where: string[] = [];
    if (caller.role !== 'admin') {
      const me = param(caller.userId);
      where.push(`(patient_id = ${me} OR clinician_id = ${me})`);
    }
    if (filter.from) {
      where.push(`starts_at >= ${param(filter.from)}`);
    }
    if (filter.to) {
      where.push(`starts_at < ${param(filter.to)}`);
    }
    if (filter.status) {
      where.push(`status = ${param(filter.status)}`);
    }
    if (cursor) {
      const key = decodeCursor(cursor, { startsAt: 'timestamp', id: 'uuid' });
      where.push(`(starts_at, id) > (${param(key.startsAt)}::timestamptz, ${param(key.id)}::uuid)`);
    }
    const rows = await sql<AppointmentListItem>(
      this.dataSource.manager,
      `SELECT ${APPOINTMENT_LIST_COLUMNS} FROM appointments a
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY starts_at, id LIMIT ${param(limit + 1)}`,
      params,
    );
    return toPage(rows, limit, (last) => ({ startsAt: last.startsAt, id: last.id }));
  }

  async get(caller: Caller, id: string): Promise<AppointmentView> {
    return toAppointmentView(
      await this.access.guarded(caller, id, 'view', () =>
        this.access.requireAppointment(caller, id, 'view'),
      ),
    );
  }

  /** Moves a scheduled visit (or edits its reason), only from the version the caller read. */
  async reschedule(
    caller: Caller,
    id: string,
    changes: UpdateAppointmentDto,
    expectedVersion: number | undefined,
  ): Promise<AppointmentView> {
    if (!changes.startsAt && !changes.endsAt && changes.reason === undefined) {
      throw AppointmentsErrors.nothingToChange();
    }
    return this.access.guarded(caller, id, 'reschedule', () =>
      this.rescheduleOnce(caller, id, changes, expectedVersion),
    );
  }

  private rescheduleOnce(
    caller: Caller,
    id: string,
    changes: UpdateAppointmentDto,
    expectedVersion: number | undefined,
  ): Promise<AppointmentView> {
    return retryOnDeadlock(() =>
      this.dataSource.transaction(async (manager) => {
        const current = await this.access.requireAppointment(caller, id, 'reschedule', manager);
        if (expectedVersion === undefined) {
          throw AppointmentsErrors.versionRequired();
        }
        if (current.version !== expectedVersion) {
          throw AppointmentsErrors.versionConflict(current.version);
        }
        if (current.status !== 'scheduled') {
          throw AppointmentsErrors.invalidTransition(current.status, 'rescheduled');
        }
        const startsAt = changes.startsAt ?? current.startsAt;
        const endsAt = changes.endsAt ?? current.endsAt;
        const moved =
          startsAt.getTime() !== current.startsAt.getTime() ||
          endsAt.getTime() !== current.endsAt.getTime();
        let buffers: Buffers | undefined;
        let introduce: (() => Promise<void>) | undefined;
        if (moved) {
          assertBookableSlot(startsAt, endsAt, this.clock.now());
          await lockDiaries(manager, [current.clinicianId, current.patientId]);
          introduce = await this.contacts.introductionFor(manager, current);
          // A move books a new time: a patient's must be offered, and it takes today's buffers.
          buffers = await this.availability.check(manager, {
            clinicianId: current.clinicianId,
            startsAt,
            endsAt,
            mustBeOffered: caller.role === 'patient',
            holderId: caller.userId,
            excludeAppointmentId: id,
          });
        }
        const reason = changes.reason === undefined ? current.reason : changes.reason;
        await translateOverlap(() =>
          manager.query(
            `UPDATE appointments SET starts_at = $2, ends_at = $3, reason = $4,
                  buffer_before_minutes = coalesce($5, buffer_before_minutes),
                  buffer_after_minutes = coalesce($6, buffer_after_minutes),
                  version = version + 1, updated_at = now()
            WHERE id = $1`,
            [
              id,
              startsAt,
              endsAt,
              reason,
              buffers?.bufferBeforeMinutes,
              buffers?.bufferAfterMinutes,
            ],
          ),
        );
        await this.record(
          caller,
          id,
          moved ? 'appointment.reschedule' : 'appointment.update',
          manager,
          {
            from: { startsAt: current.startsAt, endsAt: current.endsAt },
            to: { startsAt, endsAt },
          },
        );
        const updated = await this.reload(id, manager);
        if (moved) {
          // Reminders whose time has passed at the new start go, the others move.
          await cancelReminders(manager, id);
          await scheduleReminders(manager, id, startsAt, this.clock.now());
          await introduce?.();
          await this.notify('appointment.rescheduled', updated, caller, manager, {
            previous: {
              startsAt: current.startsAt.toISOString(),
              endsAt: current.endsAt.toISOString(),
            },
          });
        }
        return toAppointmentView(updated);
      }),
    );
  }

  async cancel(caller: Caller, id: string, reason: string | undefined): Promise<AppointmentView> {
    const cancelled = await this.access.guarded(caller, id, 'cancel', () =>
      this.cancelOnce(caller, id, reason),
    );
    this.closures.closed([{ appointmentId: cancelled.id, reason: 'cancelled' }]);
    return cancelled;
  }

  private cancelOnce(caller: Caller, id: string, reason: string | undefined) {
    return this.dataSource.transaction(async (manager) => {
      const current = await this.access.requireAppointment(caller, id, 'cancel', manager);
      await changeStatus(manager, current, 'cancelled');
      await this.record(caller, id, 'appointment.cancel', manager, { reason: reason ?? null });
      await cancelReminders(manager, id);
      const cancelled = await this.reload(id, manager);
      await this.notify('appointment.cancelled', cancelled, caller, manager);
      return toAppointmentView(cancelled);
    });
  }

  /** A clinician (or admin) records that the patient did not come, once the start has passed. */
  async markNoShow(caller: Caller, id: string): Promise<AppointmentView> {
    const missed = await this.access.guarded(caller, id, 'no_show', () =>
      this.markNoShowOnce(caller, id),
    );
    this.closures.closed([{ appointmentId: missed.id, reason: 'no_show' }]);
    return missed;
  }

  private markNoShowOnce(caller: Caller, id: string) {
    return this.dataSource.transaction(async (manager) => {
      const current = await this.access.requireAppointment(caller, id, 'no_show', manager);
      if (!canTransition(current.status, 'no_show')) {
        throw AppointmentsErrors.invalidTransition(current.status, 'no_show');
      }
      if (this.clock.now().getTime() < current.startsAt.getTime()) {
        throw AppointmentsErrors.notStarted();
      }
      await changeStatus(manager, current, 'no_show');
      await this.record(caller, id, 'appointment.no_show', manager);
      await cancelReminders(manager, id);
      const missed = await this.reload(id, manager);
      const names = await this.users.partyNames(missed, manager);
      await this.notifications.add(manager, [
        {
          userId: missed.patientId,
          type: 'session.missed',
          data: appointmentData(missed, missed.patientId, names),
        },
      ]);
      return toAppointmentView(missed);
    });
  }

  private record(
    caller: Caller,
    id: string,
    action: string,
    manager: EntityManager,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    return this.audit.record(
      {
        actorId: caller.userId,
        action,
        outcome: 'success',
        target: { type: 'appointment', id },
        details,
        origin: caller,
      },
      manager,
    );
  }

  private reload(id: string, manager: EntityManager): Promise<Appointment> {
    return manager.getRepository(Appointment).findOneByOrFail({ id });
  }

  private async notify(
    type: NotificationType,
    appointment: Appointment,
    caller: Caller,
    manager: EntityManager,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    const names = await this.users.partyNames(appointment, manager);
    await this.notifications.add(
      manager,
      noticesForChange(type, appointment, caller.userId, names, extra),
    );
  }
}
