import { CallRoster } from '../../client/call-roster';
import type { Participant, SessionJoinResult } from '../../client/protocol';

const A = 'appointment-1';

function ack(
  role: SessionJoinResult['role'],
  participants: Participant[],
  polite = false,
): SessionJoinResult {
  return {
    appointmentId: A,
    role,
    state: 'admitted',
    participants,
    iceServers: [],
    polite,
    resumed: false,
  };
}

const host: Participant = {
  userId: 'c1',
  role: 'clinician',
  displayName: 'Dr Ada',
  state: 'admitted',
};
const patient: Participant = {
  userId: 'p1',
  role: 'patient',
  displayName: 'Sam',
  state: 'waiting',
};

describe('CallRoster (who else is in a visit)', () => {
  it('tells us apart in a visit of two by role, and the other one by state', () => {
    const roster = new CallRoster();
    roster.fromJoin(ack('clinician', [host, patient]));
    expect(roster.self).toBe('c1');
    expect(roster.admitted()).toEqual([]);
    expect(roster.waiting()).toEqual([{ userId: 'p1', role: 'patient', displayName: 'Sam' }]);
  });

  it('needs our id when someone shares our role (a guest clinician)', () => {
    const guest: Participant = {
      userId: 'c2',
      role: 'clinician',
      displayName: 'Dr Bo',
      state: 'admitted',
      polite: true,
    };
    const roster = new CallRoster();
    roster.fromJoin(ack('clinician', [host, guest]), 'c1');
    expect(roster.admitted().map((p) => p.userId)).toEqual(['c2']);
    expect(roster.politeToward('c2', false)).toBe(true);
  });

  it('puts the patient first in the waiting room, whoever came first', () => {
    const roster = new CallRoster();
    roster.fromJoin(ack('clinician', [host]));
    roster.arrived({ userId: 'g1', role: 'interpreter', displayName: 'Ines' });
    roster.arrived({ userId: 'p1', role: 'patient', displayName: 'Sam' });
    expect(roster.waiting().map((p) => p.userId)).toEqual(['p1', 'g1']);
    expect(roster.patientAdmitted).toBe(false);
  });

  it('moves one from waiting to admitted on peer-joined, with that pair’s politeness', () => {
    const roster = new CallRoster();
    roster.fromJoin(ack('clinician', [host, patient]));
    roster.joined({ userId: 'p1', role: 'patient', displayName: 'Sam', polite: false });
    expect(roster.waiting()).toEqual([]);
    expect(roster.patientAdmitted).toBe(true);
    expect(roster.politeIfIn('p1', true)).toBe(false);
  });

  it('falls back to the ack’s politeness when the server names none for the pair', () => {
    const roster = new CallRoster();
    roster.fromJoin(ack('patient', [host, { ...patient, state: 'admitted' }], true));
    expect(roster.politeIfIn('c1', true)).toBe(true);
  });

  it('knows no politeness for someone waiting or unknown: their signals are held', () => {
    const roster = new CallRoster();
    roster.fromJoin(ack('clinician', [host, patient]));
    expect(roster.politeIfIn('p1', false)).toBeUndefined();
    expect(roster.politeIfIn('nobody', false)).toBeUndefined();
  });

  it('forgets a waiting patient who left, and never demotes an admitted one on a late waiting', () => {
    const roster = new CallRoster();
    roster.fromJoin(ack('clinician', [host, patient]));
    roster.left('p1');
    expect(roster.waiting()).toEqual([]);
    roster.joined({ userId: 'g1', role: 'caregiver', displayName: 'Kim' });
    roster.arrived({ userId: 'g1', role: 'caregiver', displayName: 'Kim' });
    expect(roster.admitted().map((p) => p.state)).toEqual(['admitted']);
  });

  it('keeps a reconnecting participant in the visit, and a waiting one waiting', () => {
    const roster = new CallRoster();
    roster.fromJoin(ack('clinician', [host, patient]));
    roster.joined({ userId: 'g1', role: 'interpreter', displayName: 'Ines' });
    roster.setState('g1', 'reconnecting');
    roster.setState('p1', 'reconnecting');
    expect(roster.admitted()).toMatchObject([{ userId: 'g1', state: 'reconnecting' }]);
    expect(roster.waiting().map((p) => p.userId)).toEqual(['p1']);
  });

  it('tells the host what changed in the waiting room, once', () => {
    const roster = new CallRoster();
    roster.fromJoin(ack('clinician', [host]));
    expect(roster.waitingNews(true)).toBeNull();
    roster.arrived({ userId: 'g1', role: 'interpreter', displayName: 'Ines' });
    expect(roster.waitingNews(true)).toEqual({
      list: [{ userId: 'g1', role: 'interpreter', displayName: 'Ines' }],
      patientChanged: false,
    });
    expect(roster.waitingNews(true)).toBeNull();
    roster.arrived({ userId: 'p1', role: 'patient', displayName: 'Sam' });
    expect(roster.waitingNews(true)?.patientChanged).toBe(true);
    roster.admittedByUs('p1');
    expect(roster.waitingNews(true)).toMatchObject({ patientChanged: true });
    expect(roster.waitingNews(false)).toEqual({ list: [], patientChanged: false });
  });
});
