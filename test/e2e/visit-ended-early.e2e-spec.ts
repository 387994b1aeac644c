import { makePatient, makeStaff, slot } from '../support/factories';
import { SignalingClient } from '../support/signaling-client';
import { startTestApp, TestApp } from '../support/test-app';
import { adminOf, expectAck, inCall, makeVisit } from '../support/visits';

describe('a visit ended early frees the rest of its time (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await SignalingClient.closeAll();
    await t.close();
  });

  it('lets the clinician and the patient book the time it no longer uses', async () => {
    // Starts in 5 minutes: joined early, admitted and ended before it even began.
    const visit = await makeVisit(t, { startsInMinutes: 5, lengthMinutes: 30 });
    const admin = await adminOf(t);
    const [otherPatient, otherClinician] = await Promise.all([
      makePatient(t.api),
      makeStaff(t.api, admin.token),
    ]);
    const later = slot(10, 10);
    const withClinician = () =>
      t.api.post(
        '/api/appointments',
        { clinicianId: visit.clinician.id, ...later },
        { token: otherPatient.token },
      );
    const withPatient = () =>
      t.api.post(
        '/api/appointments',
        { clinicianId: otherClinician.id, ...later },
        { token: visit.patient.token },
      );

    const { clinician } = await inCall(t, visit);
    // While it runs it holds all of its time (the clinician's is no free slot: PRODUCT §7).
    expect([(await withClinician()).body.code, (await withPatient()).body.code]).toEqual([
      'SLOT_UNAVAILABLE',
      'APPOINTMENT_CONFLICT',
    ]);

    await expectAck(clinician.request('session.end', { appointmentId: visit.appointmentId }));
    const [forClinician, forPatient] = [await withClinician(), await withPatient()];
    expect([forClinician.status, forPatient.status]).toEqual([201, 201]);

    // Its public times are still the ones booked.
    const ended = await t.api.get(`/api/appointments/${visit.appointmentId}`, {
      token: visit.patient.token,
    });
    expect(ended.body).toMatchObject({
      status: 'completed',
      startsAt: visit.startsAt,
      endsAt: visit.endsAt,
    });
    expect(ended.body).not.toHaveProperty('endedAt');
  });
});
