import type { NewNotification, NotificationType } from '../notifications/notification.entity';
import type { Appointment } from './appointment.entity';

export interface PartyNames {
  patient: string;
  clinician: string;
}

/**
 * What a notification about an appointment says: enough for a client to show it without
 * another request (the appointment, its times, who the other person is), and nothing clinical
 * beyond the booking's own reason.
 */
export function appointmentData(
  appointment: Pick<
    Appointment,
    'id' | 'patientId' | 'clinicianId' | 'startsAt' | 'endsAt' | 'reason'
  >,
  recipientId: string,
  names: PartyNames,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const recipientIsPatient = recipientId === appointment.patientId;
  return {
    appointmentId: appointment.id,
    startsAt: appointment.startsAt.toISOString(),
    endsAt: appointment.endsAt.toISOString(),
    reason: appointment.reason,
    otherParty: recipientIsPatient
      ? { id: appointment.clinicianId, role: 'clinician', displayName: names.clinician }
      : { id: appointment.patientId, role: 'patient', displayName: names.patient },
    ...extra,
  };
}

/**
 * A change tells "the other participant"; a change made by neither (an admin, the system)
 * tells both.
 */
export function noticesForChange(
  type: NotificationType,
  appointment: Appointment,
  actorId: string | null,
  names: PartyNames,
  extra: Record<string, unknown> = {},
): NewNotification[] {
  return [appointment.patientId, appointment.clinicianId]
    .filter((userId) => userId !== actorId)
    .map((userId) => ({ userId, type, data: appointmentData(appointment, userId, names, extra) }));
}
