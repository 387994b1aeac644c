import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Role } from '../users/role';
import { AppointmentAction, decideAccess } from './appointment-access.policy';
import { Appointment } from './appointment.entity';
import { AppointmentsErrors } from './appointments.errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The one gate to an appointment, for REST and the socket gateway alike. Someone who is
 * neither a participant nor an admin gets "not found", never "forbidden": they may not learn
 * that the appointment exists.
 */
@Injectable()
export class AppointmentAccessService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Loads the appointment for `action` by `user`. Given a transaction's manager it locks the
   * row (FOR UPDATE) so the checks that follow and the write that uses them cannot interleave
   * with another change.
   */
  async requireAppointment(
    user: { userId: string; role: Role },
    id: string,
    action: AppointmentAction,
    manager?: EntityManager,
  ): Promise<Appointment> {
    if (!UUID.test(id)) {
      throw AppointmentsErrors.notFound();
    }
    const query = (manager ?? this.dataSource.manager)
      .getRepository(Appointment)
      .createQueryBuilder('a')
      .where('a.id = :id', { id });
    if (manager) {
      query.setLock('pessimistic_write');
    }
    const appointment = await query.getOne();
    if (!appointment) {
      throw AppointmentsErrors.notFound();
    }
    switch (decideAccess(user, appointment, action)) {
      case 'allowed':
        return appointment;
      case 'forbidden':
        throw AppointmentsErrors.forbidden(action.replace('_', '-'));
      case 'hidden':
        throw AppointmentsErrors.notFound();
    }
  }
}
