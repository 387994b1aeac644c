import { loginAdmin, makePatient, makeStaff, TestUser } from '../support/factories';
import { schedule } from '../support/schedules';
import { Frame, SignalingClient } from '../support/signaling-client';
import { startTestApp, TestApp } from '../support/test-app';
import { connect, expectAck } from '../support/visits';

const MINUTE = 60_000;

function times(start: number, minutes = 30) {
  return {
    startsAt: new Date(start).toISOString(),
    endsAt: new Date(start + minutes * MINUTE).toISOString(),
  };
}

describe('live slot pickers across instances (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp();
    admin = await loginAdmin(a);
  });
  afterAll(async () => {
    await SignalingClient.closeAll();
    await a.close();
    await b.close();
  });

  const changed = (clinicianId: string, from: number, to: number) => (f: Frame) =>
    f.event === 'slots.changed' &&
    f.data.clinicianId === clinicianId &&
    f.data.from === new Date(from).toISOString() &&
    f.data.to === new Date(to).toISOString();

  it('tells a watcher on another instance when a slot is taken, held, released or freed', async () => {
    const clinician = await makeStaff(a.api, admin.token, 'clinician', 'Dr Live', {
      schedule: schedule({ slotMinutes: 30, bufferAfterMinutes: 10 }),
    });
    const [watcher, chooser] = await Promise.all([makePatient(a.api), makePatient(a.api)]);
    const picker = await connect(b, watcher);
    await expect(
      expectAck(picker.request('slots.watch', { clinicianId: clinician.id })),
    ).resolves.toMatchObject({ clinicianId: clinician.id });

    const today = new Date();
    const start = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 7, 10);
    const held = await a.api.post(
      '/api/slot-holds',
      { clinicianId: clinician.id, ...times(start) },
      { token: chooser.token },
    );
    expect(held.status).toBe(201);
    // The hold’s time with the buffer after it.
    await picker.next(changed(clinician.id, start, start + 40 * MINUTE));
    const booked = await a.api.post(
      '/api/appointments',
      { clinicianId: clinician.id, holdId: held.body.id, ...times(start) },
      { token: chooser.token },
    );
    expect(booked.status).toBe(201);
    // The hold used up and the visit are one announcement (NOTIFY folds equal ones together).
    await picker.next(changed(clinician.id, start, start + 40 * MINUTE));
    const cancelled = await a.api.post(`/api/appointments/${booked.body.id}/cancel`, undefined, {
      token: chooser.token,
    });
    expect(cancelled.status).toBe(200);
    await picker.next(changed(clinician.id, start, start + 40 * MINUTE));

    const again = await a.api.post(
      '/api/slot-holds',
      { clinicianId: clinician.id, ...times(start + 60 * MINUTE) },
      { token: chooser.token },
    );
    await picker.next(changed(clinician.id, start + 60 * MINUTE, start + 100 * MINUTE));
    await a.api.request('DELETE', `/api/slot-holds/${again.body.id}`, undefined, {
      token: chooser.token,
    });
    await picker.next(changed(clinician.id, start + 60 * MINUTE, start + 100 * MINUTE));

    await expectAck(picker.request('slots.unwatch', { clinicianId: clinician.id }));
    await a.api.post(
      '/api/slot-holds',
      { clinicianId: clinician.id, ...times(start + 120 * MINUTE) },
      { token: chooser.token },
    );
    // A round trip later, nothing more came for the clinician unwatched.
    await picker.sync();
    await expect(picker.next((f) => f.event === 'slots.changed', 500)).rejects.toThrow();
  });

  it('tells watchers when the schedule changes, and refuses bad watches with an error frame', async () => {
    const clinician = await makeStaff(b.api, admin.token, 'clinician', 'Dr Hours', {
      schedule: schedule({ slotMinutes: 30 }),
    });
    const watcher = await makePatient(a.api);
    const picker = await connect(a, watcher);
    await expectAck(picker.request('slots.watch', { clinicianId: clinician.id }));
    const replaced = await b.api.put(
      `/api/clinicians/${clinician.id}/schedule`,
      schedule({ slotMinutes: 15 }),
      { token: clinician.token, headers: { 'If-Match': '"1"' } },
    );
    expect(replaced.status).toBe(200);
    await picker.next((f) => f.event === 'slots.changed' && f.data.clinicianId === clinician.id);

    const bad = await picker.request('slots.watch', { clinicianId: 'nope' });
    expect([bad.event, bad.data.code]).toEqual(['error', 'VALIDATION_FAILED']);
    const unknown = await picker.request('slots.watch', { clinicianId: watcher.id });
    expect([unknown.event, unknown.data.code]).toEqual(['error', 'CLINICIAN_NOT_FOUND']);
  });
});
