import { DataSource } from 'typeorm';
import { NotificationsService } from '../../src/notifications/notifications.service';
import { loginAdmin, makePatient, makeStaff, slot } from '../support/factories';
import { SignalingClient, sleep } from '../support/signaling-client';
import { startTestApp, TestApp } from '../support/test-app';
import { connect, expectAck } from '../support/visits';

/**
 * `notifications.sync {after}` follows insertion order, so a recipient's notifications must
 * become visible in that order too: a slow transaction holding an earlier one must not let a
 * later one commit (and be pushed) first, or a client syncing after the later one would never
 * see the earlier one.
 */
describe('notification order for catching up (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // The booking waits a second behind the test's open transaction: longer than the default
    // lock timeout, after which it would be answered 503.
    t = await startTestApp({ DB_LOCK_TIMEOUT_MS: '15000', DB_STATEMENT_TIMEOUT_MS: '20000' });
  });
  afterEach(() => SignalingClient.closeAll());
  afterAll(() => t.close());

  it('a later notification waits for an earlier uncommitted one of the same recipient', async () => {
    const admin = await loginAdmin(t);
    const clinician = await makeStaff(t.api, admin.token, 'clinician', 'Dr Order');
    const patient = await makePatient(t.api);
    const socket = await connect(t, clinician);

    // An earlier notification for the clinician, its transaction still open.
    const runner = t.app.get(DataSource).createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await t.app
      .get(NotificationsService)
      .add(runner.manager, [
        { userId: clinician.id, type: 'appointment.reminder', data: { probe: 'slow transaction' } },
      ]);

    // A booking now notifies the same clinician; it cannot become visible first.
    const booking = t.api.post(
      '/api/appointments',
      { clinicianId: clinician.id, ...slot(120) },
      { token: patient.token },
    );
    await sleep(1000);
    expect(socket.received('notification')).toEqual([]);

    await runner.commitTransaction();
    await runner.release();
    expect((await booking).status).toBe(201);

    const first = await socket.next('notification');
    const second = await socket.next('notification');
    expect(first.data.type).toBe('appointment.reminder');
    expect(second.data.type).toBe('appointment.created');
    const caughtUp = await expectAck(
      socket.request('notifications.sync', { after: first.data.id }),
    );
    expect(caughtUp.items.map((n: { id: string }) => n.id)).toEqual([second.data.id]);
  });
});
