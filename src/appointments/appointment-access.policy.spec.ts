import type { Role } from '../users/role';
import {
  AccessDecision,
  AppointmentAction,
  decideAccess,
  Participants,
} from './appointment-access.policy';

const ACTIONS: AppointmentAction[] = [
  'view',
  'reschedule',
  'cancel',
  'no_show',
  'join',
  'admit',
  'end',
];

const appointment: Participants = {
  patientId: '11111111-1111-4111-8111-111111111111',
  clinicianId: '22222222-2222-4222-8222-222222222222',
};
const patient = { userId: appointment.patientId, role: 'patient' as Role };
const clinician = { userId: appointment.clinicianId, role: 'clinician' as Role };
const admin = { userId: '33333333-3333-4333-8333-333333333333', role: 'admin' as Role };

const EXPECTED: Record<
  'patient' | 'clinician' | 'admin',
  Record<AppointmentAction, AccessDecision>
> = {
  patient: {
    view: 'allowed',
    reschedule: 'allowed',
    cancel: 'allowed',
    no_show: 'forbidden',
    join: 'allowed',
    admit: 'forbidden',
    end: 'forbidden',
  },
  clinician: {
    view: 'allowed',
    reschedule: 'allowed',
    cancel: 'allowed',
    no_show: 'allowed',
    join: 'allowed',
    admit: 'allowed',
    end: 'allowed',
  },
  admin: {
    view: 'allowed',
    reschedule: 'allowed',
    cancel: 'allowed',
    no_show: 'allowed',
    join: 'forbidden',
    admit: 'forbidden',
    end: 'forbidden',
  },
};

describe('decideAccess', () => {
  describe.each(ACTIONS)('action %s', (action) => {
    it('gives the patient participant the patient side', () => {
      expect(decideAccess(patient, appointment, action)).toBe(EXPECTED.patient[action]);
    });

    it('gives the clinician participant the clinician side', () => {
      expect(decideAccess(clinician, appointment, action)).toBe(EXPECTED.clinician[action]);
    });

    it('gives a non-participant admin the admin side', () => {
      expect(decideAccess(admin, appointment, action)).toBe(EXPECTED.admin[action]);
    });

    it.each<Role>(['patient', 'clinician'])(
      'hides the appointment from a %s who is not a participant',
      (role) => {
        const stranger = { userId: '44444444-4444-4444-8444-444444444444', role };
        expect(decideAccess(stranger, appointment, action)).toBe('hidden');
      },
    );
  });

  it('lets a clinician see only the appointments they are part of', () => {
    const otherClinician = {
      userId: '55555555-5555-4555-8555-555555555555',
      role: 'clinician' as Role,
    };
    expect(decideAccess(otherClinician, appointment, 'view')).toBe('hidden');
    expect(decideAccess(clinician, appointment, 'view')).toBe('allowed');
  });
});
