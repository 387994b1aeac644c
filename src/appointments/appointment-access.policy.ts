import type { UserRole } from '../users/role';

export type AppointmentAction =
  'view' | 'reschedule' | 'cancel' | 'no_show' | 'join' | 'admit' | 'end';

export interface Participants {
  patientId: string;
  clinicianId: string;
}

/** `hidden`: the caller may not learn the appointment exists (answered as not found). */
export type AccessDecision = 'allowed' | 'forbidden' | 'hidden';

const ALLOWED: Record<'patient' | 'clinician' | 'admin', readonly AppointmentAction[]> = {
  patient: ['view', 'reschedule', 'cancel', 'join'],
  clinician: ['view', 'reschedule', 'cancel', 'no_show', 'join', 'admit', 'end'],
  // Admins fix appointments but never sit in on a visit.
  admin: ['view', 'reschedule', 'cancel', 'no_show'],
};

/** Who may do what to an appointment. Anyone who is neither a participant nor an admin sees nothing. */
export function decideAccess(
  user: { userId: string; role: UserRole },
  appointment: Participants,
  action: AppointmentAction,
): AccessDecision {
  const side =
    user.userId === appointment.patientId
      ? 'patient'
      : user.userId === appointment.clinicianId
        ? 'clinician'
        : user.role === 'admin'
          ? 'admin'
          : undefined;
  if (!side) {
    return 'hidden';
  }
  return ALLOWED[side].includes(action) ? 'allowed' : 'forbidden';
}
