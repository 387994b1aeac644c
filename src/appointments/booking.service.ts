import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/caller';
import { Clock } from '../common/clock';
import { retryOnDeadlock } from '../database/deadlock-retry';
import { sql } from '../database/sql';
import { NotificationsService } from '../notifications/notifications.service';
import { AvailabilityService } from '../scheduling/availability.service';
import { UsersService } from '../users/users.service';
import { noticesForChange } from './appointment-notices';
import { scheduleReminders } from './reminders';
import {
  Appointment,
  APPOINTMENT_COLUMNS,
  AppointmentView,
  toAppointmentView,
} from './appointment.entity';
import { AppointmentsErrors } from './appointments.errors';
import { ContactsService } from './contacts.service';
import { assertBookableSlot } from './booking-rules';
import { lockDiaries } from './diary-locks';
import type { CreateAppointmentDto } from './dto/create-appointment.dto';
import { IdempotencyKeys } from './idempotency-keys';
import { translateOverlap } from './overlap-error';

export interface BookingResult {
  appointment: AppointmentView;
  /** True when an Idempotency-Key replayed an earlier booking instead of making a new one. */
  replayed: boolean;
}

interface BookingRequest {
  clinicianId: string;
  patientId: string;
  startsAt: string;
  endsAt: string;
  reason: string | null;
  holdId?: string;
}

class KeyAlreadyClaimed extends Error {}

/** Booking: who may book for whom, the slot rules, and safe retries. */
@Injectable()
export class BookingService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly idempotency: IdempotencyKeys,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly notifications: NotificationsService,
    private readonly availability: AvailabilityService,
    private readonly contacts: ContactsService,
  ) {}

  async book(
    caller: Caller,
    dto: CreateAppointmentDto,
    idempotencyKey: string | undefined,
  ): Promise<BookingResult> {
    const request = this.resolveParties(caller, dto);
    assertBookableSlot(dto.startsAt, dto.endsAt, this.clock.now());
    if (idempotencyKey === undefined) {
      return { appointment: await this.insert(caller, request), replayed: false };
    }
    this.idempotency.assertWellFormed(idempotencyKey);
    const fingerprint = this.idempotency.fingerprint(request);
    const earlier = await this.idempotency.find(caller.userId, idempotencyKey, fingerprint);
    if (earlier) {
      return { appointment: await this.load(earlier), replayed: true };
    }
    try {
      const appointment = await this.insert(caller, request, (id, manager) =>
        this.idempotency.claim(caller.userId, idempotencyKey, fingerprint, id, manager),
      );
      return { appointment, replayed: false };
    } catch (error) {
      if (!(error instanceof KeyAlreadyClaimed)) {
        throw error;
      }
      const winner = await this.idempotency.find(caller.userId, idempotencyKey, fingerprint);
      if (!winner) {
        throw error;
      }
      return { appointment: await this.load(winner), replayed: true };
    }
  }

  private resolveParties(caller: Caller, dto: CreateAppointmentDto): BookingRequest {
    // UUIDs may come in either case; as Postgres writes them, they compare, key maps and lock
    // alike.
    const clinicianId = dto.clinicianId.toLowerCase();
    let patientId = dto.patientId?.toLowerCase();
    switch (caller.role) {
      case 'patient':
        if (patientId !== undefined && patientId !== caller.userId) {
          throw AppointmentsErrors.bookingNotAllowed('A patient books only for themselves');
        }
        patientId = caller.userId;
        break;
      case 'clinician':
        if (clinicianId !== caller.userId) {
          throw AppointmentsErrors.bookingNotAllowed('A clinician books only in their own diary');
        }
        break;
      case 'admin':
        break;
      case 'guest':
        // Unreachable: a guest's token opens no REST route (VISIT_TOKEN_ONLY).
        throw AppointmentsErrors.bookingNotAllowed('A guest books nothing');
    }
    if (!patientId) {
      throw AppointmentsErrors.patientRequired();
    }
    return {
      clinicianId,
      patientId,
      startsAt: dto.startsAt.toISOString(),
      endsAt: dto.endsAt.toISOString(),
      reason: dto.reason ?? null,
      ...(dto.holdId === undefined ? {} : { holdId: dto.holdId }),
    };
  }

  private async insert(
    caller: Caller,
    request: BookingRequest,
    claimKey?: (appointmentId: string, manager: EntityManager) => Promise<boolean>,
  ): Promise<AppointmentView> {
    const id = randomUUID();
    return retryOnDeadlock(() =>
      this.dataSource.transaction(async (manager) => {
        if (claimKey && !(await claimKey(id, manager))) {
          throw new KeyAlreadyClaimed();
        }
        const names = await this.users.activeNames(
          [
            { id: request.clinicianId, role: 'clinician' },
            { id: request.patientId, role: 'patient' },
          ],
          manager,
        );
        const clinician = names.get(request.clinicianId);
        const patient = names.get(request.patientId);
        if (clinician === undefined) {
          throw AppointmentsErrors.unknownParty('clinician');
        }
        if (patient === undefined) {
          throw AppointmentsErrors.unknownParty('patient');
        }
        // Under the diaries' locks, the check and the insert see the same diary: a time shown
        // free is refused only if someone else really took it first (the constraints decide).
        await lockDiaries(manager, [request.clinicianId, request.patientId]);
        const introduce = await this.contacts.introductionFor(manager, request);
        const buffers = await this.availability.check(manager, {
          clinicianId: request.clinicianId,
          startsAt: new Date(request.startsAt),
          endsAt: new Date(request.endsAt),
          mustBeOffered: caller.role === 'patient',
          holderId: caller.userId,
          holdId: request.holdId,
        });
        const [appointment] = await translateOverlap(() =>
          sql<Appointment>(
            manager,
            `INSERT INTO appointments (id, clinician_id, patient_id, starts_at, ends_at, reason,
                    buffer_before_minutes, buffer_after_minutes)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             RETURNING ${APPOINTMENT_COLUMNS}`,
            [
              id,
              request.clinicianId,
              request.patientId,
              request.startsAt,
              request.endsAt,
              request.reason,
              buffers.bufferBeforeMinutes,
              buffers.bufferAfterMinutes,
            ],
          ),
        );
        await this.audit.record(
          {
            actorId: caller.userId,
            action: 'appointment.create',
            outcome: 'success',
            target: { type: 'appointment', id },
            details: { startsAt: request.startsAt, endsAt: request.endsAt },
            origin: caller,
          },
          manager,
        );
        await scheduleReminders(manager, id, appointment.startsAt, this.clock.now());
        await introduce();
        await this.notifications.add(
          manager,
          noticesForChange('appointment.created', appointment, caller.userId, {
            patient,
            clinician,
          }),
        );
        return toAppointmentView(appointment);
      }),
    );
  }

  private async load(id: string): Promise<AppointmentView> {
    const appointment = await this.dataSource.getRepository(Appointment).findOneBy({ id });
    if (!appointment) {
      throw AppointmentsErrors.notFound();
    }
    return toAppointmentView(appointment);
  }
}
