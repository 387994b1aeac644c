import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppointmentAccessService } from '../appointments/appointment-access.service';
import type { Appointment } from '../appointments/appointment.entity';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/caller';
import { AppError } from '../common/app-error';
import { mayManageInvites } from './invite-rules';
import { InvitesErrors } from './invites.errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The gate's refusals, audited once the refused work's transaction has rolled back. */
const refusals = new WeakSet<object>();

/**
 * Who manages a visit's invites: the appointments' own access gate decides who may see the
 * visit (anyone else: 404, existence not revealed), then only its clinician or an admin may go
 * on (the patient: 403).
 */
@Injectable()
export class InviteGate {
  constructor(
    private readonly access: AppointmentAccessService,
    private readonly audit: AuditService,
  ) {}

  /** The visit, locked when given a transaction's manager. */
  async visit(
    caller: Caller,
    appointmentId: string,
    manager?: EntityManager,
  ): Promise<Appointment> {
    try {
      const visit = await this.access.requireAppointment(caller, appointmentId, 'view', manager);
      if (!mayManageInvites(caller, visit)) {
        throw InvitesErrors.forbidden();
      }
      return visit;
    } catch (error) {
      if (error instanceof AppError) {
        refusals.add(error);
      }
      throw error;
    }
  }

  /** Runs `work`; if `visit` refused it, the refusal is audited as a denied `action`. */
  async audited<T>(
    caller: Caller,
    appointmentId: string,
    action: string,
    work: () => Promise<T>,
  ): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (refusals.has(error as object) && UUID.test(appointmentId)) {
        await this.audit.denied(caller, action, appointmentId.toLowerCase(), error as AppError);
      }
      throw error;
    }
  }
}
