import { recipientOf } from './signal-relay.service';
import { describeSeats, hearsAbout, roomForAGuest, Seat, Seats } from './visit-room';

function seat(side: Seat['side'], userId: string, over: Partial<Seat> = {}): Seat {
  return {
    side,
    role: side === 'guest' ? 'interpreter' : side,
    userId,
    displayName: userId,
    instanceId: 'here',
    connectionId: `${userId}-socket`,
    admitted: true,
    ...over,
  };
}

const seatsOf = (...seats: Seat[]): Seats => Object.fromEntries(seats.map((s) => [s.userId, s]));

describe('visit room rules', () => {
  const patient = seat('patient', 'p');
  const host = seat('clinician', 'c');

  it('guests take only the places the patient and the host leave free', () => {
    expect(roomForAGuest(seatsOf(patient, host), 4)).toBe(true);
    expect(roomForAGuest(seatsOf(patient, host, seat('guest', 'g1')), 4)).toBe(true);
    expect(roomForAGuest(seatsOf(seat('guest', 'g1'), seat('guest', 'g2')), 4)).toBe(false);
    expect(roomForAGuest(seatsOf(patient, host), 2)).toBe(false);
  });

  it('lists the patient, the host, then guests; per-pair politeness only with a guest', () => {
    const guest = seat('guest', 'a-guest', { admitted: false });
    expect(describeSeats(seatsOf(guest, host, patient), host).map((p) => p.userId)).toEqual([
      'p',
      'c',
      'a-guest',
    ]);
    expect(describeSeats(seatsOf(host, patient), patient)).toEqual([
      { userId: 'p', role: 'patient', displayName: 'p', state: 'admitted' },
      { userId: 'c', role: 'clinician', displayName: 'c', state: 'admitted' },
    ]);
    expect(describeSeats(seatsOf(host, patient, guest), patient)).toEqual([
      { userId: 'p', role: 'patient', displayName: 'p', state: 'admitted' },
      { userId: 'c', role: 'clinician', displayName: 'c', state: 'admitted', polite: true },
      {
        userId: 'a-guest',
        role: 'interpreter',
        displayName: 'a-guest',
        state: 'waiting',
        polite: true,
      },
    ]);
  });

  it('the host hears of everyone; a waiting guest of the host only', () => {
    const waiting = seat('guest', 'g', { admitted: false });
    expect(hearsAbout(host, waiting)).toBe(true);
    expect(hearsAbout(waiting, host)).toBe(true);
    expect(hearsAbout(patient, waiting)).toBe(false);
    expect(hearsAbout(waiting, patient)).toBe(false);
    expect(hearsAbout(patient, patient)).toBe(false);
  });

  it('a signal without `to` goes to the one other admitted participant, else to nobody', () => {
    const room = (...seats: Seat[]) => ({
      appointmentId: 'v',
      version: 1,
      seats: seatsOf(...seats),
    });
    expect(recipientOf(room(patient, host), patient, undefined)).toBe(host);
    const guest = seat('guest', 'g');
    expect(recipientOf(room(patient, host, guest), patient, undefined)).toBeUndefined();
    expect(recipientOf(room(patient, host, guest), patient, 'g')).toBe(guest);
    expect(recipientOf(room(patient, host, guest), patient, 'p')).toBeUndefined();
    const waiting = seat('guest', 'w', { admitted: false });
    expect(recipientOf(room(patient, host, waiting), patient, undefined)).toBe(host);
    expect(recipientOf(room(patient, host, waiting), patient, 'w')).toBeUndefined();
  });
});
