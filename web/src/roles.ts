import type { ParticipantRole } from '../../client/protocol';

/** A participant's role as a label under their name. */
export const ROLE_WORDS: Record<ParticipantRole | 'guest', string> = {
  patient: 'Patient',
  clinician: 'Clinician',
  interpreter: 'Interpreter',
  caregiver: 'Caregiver',
  guest: 'Guest',
};
