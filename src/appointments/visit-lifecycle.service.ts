import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/caller';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { NotificationsService } from '../notifications/notifications.service';
import { UsersService } from '../users/users.service';
import { appointmentData } from './appointment-notices';
import { AppointmentsErrors } from './appointments.errors';
import { AppointmentAccessService } from './appointment-access.service';
import { Appointment } from './appointment.entity';
import { changeStatus } from './status-change';

export type VisitSide = 'patient' | 'clinician';

/** Someone invited to a visit who is neither its patient nor its clinician (PRODUCT §9). */
export interface VisitGuest {
  role: 'interpreter' | 'caregiver' | 'clinician';
  displayName: string;
}

/** Whether the caller is a guest of the visit, by a live invite (the invites module answers). */
export type GuestLookup = (
  caller: Caller,
  appointmentId: string,
) => Promise<VisitGuest | undefined>;

export interface JoinableVisit {
  appointment: Appointment;
  /** The patient or the clinician; absent for a guest. */
  side?: VisitSide;
  guest?: VisitGuest;
  names: Record<VisitSide, string>;
}

/**
 * The appointment side of a video visit: who may join when, and the status changes that admit
 * and end it. Called by the signaling gateway with the same access rules as REST.
 */
@Injectable()
export class VisitLifecycleService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AppointmentAccessService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly notifications: NotificationsService,
  ) {}

  /**
   * Only the visit's patient or clinician, from VISIT_JOIN_EARLY_MINUTES before its start until
   * its end (or for as long as it is in progress, if it runs over). Refusals are audited.
   */
  async requireJoinable(
    caller: Caller,
    appointmentId: string,
    guests?: GuestLookup,
  ): Promise<JoinableVisit> {
    try {
      const { appointment, guest } = await this.appointmentFor(caller, appointmentId, guests);
      this.assertOpen(appointment);
      const names = await this.users.displayNames([appointment.patientId, appointment.clinicianId]);
      return {
        appointment,
        ...(guest
          ? { guest }
          : { side: appointment.patientId === caller.userId ? 'patient' : 'clinician' }),
        names: {
          patient: names.get(appointment.patientId) ?? '',
          clinician: names.get(appointment.clinicianId) ?? '',
        },
      };
    } catch (error) {
      if (error instanceof AppError) {
        await this.record(caller, appointmentId, 'visit.join', 'denied', { code: error.code });
      }
      throw error;
    }
  }

  /**
   * The appointment as its patient or clinician may join it, or as a guest: a guest token opens
   * only its own visit, and a clinician who is neither the visit's may be invited to it.
   */
  private async appointmentFor(
    caller: Caller,
    appointmentId: string,
    guests: GuestLookup | undefined,
  ): Promise<{ appointment: Appointment; guest?: VisitGuest }> {
    if (caller.visitId !== undefined) {
      const guest =
        caller.visitId === appointmentId ? await guests?.(caller, appointmentId) : undefined;
      if (!guest) {
        throw AppointmentsErrors.notFound();
      }
      return { appointment: await this.access.requireExisting(appointmentId), guest };
    }
    try {
      return { appointment: await this.access.requireAppointment(caller, appointmentId, 'join') };
    } catch (error) {
      const invitable =
        caller.role === 'clinician' && error instanceof AppError && error.kind === 'not_found';
      const guest = invitable ? await guests?.(caller, appointmentId) : undefined;
      if (!guest) {
        throw error;
      }
      return { appointment: await this.access.requireExisting(appointmentId), guest };
    }
  }

  /**
   * Audits a join; a patient newly in the waiting room also leaves the clinician a
   * `session.patient_waiting` notification, in the same transaction.
   */
  recordJoin(
    caller: Caller,
    visit: JoinableVisit,
    join: { resumed: boolean; waiting: boolean },
    manager?: EntityManager,
  ): Promise<void> {
    const { appointment } = visit;
    return this.within(manager, async (manager) => {
      await this.record(
        caller,
        appointment.id,
        'visit.join',
        'success',
        { resumed: join.resumed },
        manager,
      );
      if (join.waiting && !join.resumed && visit.side === 'patient') {
        await this.notifications.add(manager, [
          {
            userId: appointment.clinicianId,
            type: 'session.patient_waiting',
            data: appointmentData(appointment, appointment.clinicianId, visit.names),
          },
        ]);
      }
    });
  }

  /**
   * Runs a visit action from a socket; any refusal of it (not in the visit, not the clinician,
   * no patient waiting, …) is audited as denied once its transaction has rolled back.
   */
  async auditRefusals<T>(
    caller: Caller,
    appointmentId: string,
    action: 'admit' | 'remove' | 'end',
    work: () => Promise<T>,
  ): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof AppError) {
        await this.audit.denied(caller, `visit.${action}`, appointmentId, error);
      }
      throw error;
    }
  }

  /**
   * The clinician lets the patient in: scheduled → in_progress (already in progress is fine).
   * Runs in `manager`'s transaction when given (the visit room's), else in its own.
   */
  admit(caller: Caller, appointmentId: string, manager?: EntityManager): Promise<void> {
    return this.within(manager, async (tx) => {
      const current = await this.access.requireAppointment(caller, appointmentId, 'admit', tx);
      if (current.status !== 'in_progress') {
        await changeStatus(tx, current, 'in_progress');
      }
      await this.record(caller, appointmentId, 'visit.admit', 'success', {}, tx);
    });
  }

  /**
   * The host admitted a guest, or removed one (or revoked their invite while they sat in the
   * visit): audited with who did it to whom, in the visit room's transaction.
   */
  recordGuest(
    caller: Caller,
    appointmentId: string,
    change: 'admit' | 'remove',
    guestId: string,
    manager: EntityManager,
  ): Promise<void> {
    return this.audit.record(
      {
        actorId: caller.userId,
        action: `visit.guest_${change}`,
        outcome: 'success',
        target: { type: 'user', id: guestId },
        details: { appointmentId },
        origin: caller,
      },
      manager,
    );
  }

  /** The clinician ends the visit: in_progress → completed. */
  end(caller: Caller, appointmentId: string, manager?: EntityManager): Promise<void> {
    return this.within(manager, async (tx) => {
      const current = await this.access.requireAppointment(caller, appointmentId, 'end', tx);
      await changeStatus(tx, current, 'completed', this.clock.now());
      await this.record(caller, appointmentId, 'visit.end', 'success', {}, tx);
    });
  }

  private within<T>(
    manager: EntityManager | undefined,
    work: (manager: EntityManager) => Promise<T>,
  ): Promise<T> {
    return manager ? work(manager) : this.dataSource.transaction(work);
  }

  private assertOpen(appointment: Appointment): void {
    if (appointment.status === 'in_progress') {
      return;
    }
    if (appointment.status !== 'scheduled') {
      throw new AppError('conflict', 'VISIT_CLOSED', `This visit is ${appointment.status}`, {
        status: appointment.status,
      });
    }
    const now = this.clock.now().getTime();
    const opensAt = new Date(
      appointment.startsAt.getTime() - this.config.visits.joinEarlyMinutes * 60_000,
    );
    if (now < opensAt.getTime()) {
      throw new AppError('conflict', 'VISIT_NOT_OPEN_YET', 'This visit cannot be joined yet', {
        opensAt: opensAt.toISOString(),
      });
    }
    if (now >= appointment.endsAt.getTime()) {
      throw new AppError('conflict', 'VISIT_OVER', 'This visit’s time has passed');
    }
  }

  private record(
    caller: Caller,
    appointmentId: string,
    action: string,
    outcome: 'success' | 'denied',
    details: Record<string, unknown>,
    manager?: EntityManager,
  ): Promise<void> {
    return this.audit.record(
      {
        actorId: caller.userId,
        action,
        outcome,
        target: { type: 'appointment', id: appointmentId },
        details,
        origin: caller,
      },
      manager,
    );
  }
}
