import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/caller';
import type { AppError } from '../common/app-error';
import type { UserRole } from '../users/role';
import { AppointmentAction, decideAccess } from './appointment-access.policy';
import { Appointment } from './appointment.entity';
import { AppointmentsErrors } from './appointments.errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How each action is named in the audit log (as its successes are). */
const AUDITED_AS: Record<AppointmentAction, string> = {
  view: 'appointment.view',
  reschedule: 'appointment.reschedule',
  cancel: 'appointment.cancel',
  no_show: 'appointment.no_show',
  join: 'visit.join',
  admit: 'visit.admit',
  end: 'visit.end',
};

/** The errors `requireAppointment` refused with (and not some later rule). */
const refusals = new WeakSet<object>();

/**
 * The one gate to an appointment, for REST and the socket gateway alike. Someone who is
 * neither a participant nor an admin gets "not found", never "forbidden": they may not learn
 * that the appointment exists.
 */
@Injectable()
export class AppointmentAccessService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /**
   * Runs `work`, which checks `action` on the appointment with `requireAppointment`; if that
   * check refuses (not found, or the caller's role may not), the refusal is audited once
   * `work` is over, outside the transaction it rolled back. An id that is not a UUID is not:
   * no appointment can have it, and the log would take any text a caller sends.
   */
  async guarded<T>(
    caller: Caller,
    id: string,
    action: AppointmentAction,
    work: () => Promise<T>,
  ): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (refusals.has(error as object) && UUID.test(id)) {
        await this.audit.denied(caller, AUDITED_AS[action], id.toLowerCase(), error as AppError);
      }
      throw error;
    }
  }

  /**
   * Loads the appointment for `action` by `user`. Given a transaction's manager it locks the
   * row (FOR UPDATE) so the checks that follow and the write that uses them cannot interleave
   * with another change.
   */
  async requireAppointment(
    user: { userId: string; role: UserRole },
    id: string,
    action: AppointmentAction,
    manager?: EntityManager,
  ): Promise<Appointment> {
    if (!UUID.test(id)) {
      throw AppointmentsErrors.notFound();
    }
    const appointment = await this.load(id, manager);
    const decision = appointment ? decideAccess(user, appointment, action) : 'hidden';
    if (appointment && decision === 'allowed') {
      return appointment;
    }
    const refusal =
      decision === 'forbidden'
        ? AppointmentsErrors.forbidden(action.replace('_', '-'))
        : AppointmentsErrors.notFound();
    refusals.add(refusal);
    throw refusal;
  }

  /**
   * The appointment whatever the caller's role in it, for someone whose access was decided
   * elsewhere (a guest, by their invite). Not found if there is none.
   */
  async requireExisting(id: string): Promise<Appointment> {
    const appointment = UUID.test(id) ? await this.load(id, undefined) : null;
    if (!appointment) {
      throw AppointmentsErrors.notFound();
    }
    return appointment;
  }

  private load(id: string, manager: EntityManager | undefined): Promise<Appointment | null> {
    const query = (manager ?? this.dataSource.manager)
      .getRepository(Appointment)
      .createQueryBuilder('a')
      .where('a.id = :id', { id });
    if (manager) {
      query.setLock('pessimistic_write');
    }
    return query.getOne();
  }
}
