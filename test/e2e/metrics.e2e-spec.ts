import { MetricsServer } from '../../src/metrics/metrics-server';
import { startTestApp, TestApp } from '../support/test-app';
import { SignalingClient, sleep } from '../support/signaling-client';
import { connect, expectAck, inCall, makeVisit } from '../support/visits';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** The value of one sample (`name{labels} value`), or undefined when the line is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics (e2e)', () => {
  let t: TestApp;
  let metricsUrl: string;

  beforeAll(async () => {
    t = await startTestApp({ METRICS_PORT: '0', VISIT_RESUME_GRACE_SECONDS: '3' });
    metricsUrl = `http://127.0.0.1:${t.app.get(MetricsServer).port}/metrics`;
  });
  afterAll(async () => {
    await SignalingClient.closeAll();
    await t.close();
  });

  const scrape = async () => {
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };

  it('is not served on the public port', async () => {
    expect((await t.api.get('/metrics')).status).toBe(404);
    expect((await t.api.get('/api/metrics')).status).toBe(404);
  });

  it('reports the process, the sockets, the pool and what real visits did, naming nobody', async () => {
    const before = await scrape();
    expect(sample(before, 'televisit_visits{state="waiting"}')).toBe(0);
    expect(sample(before, 'televisit_visit_waiting_seconds_count')).toBe(0);

    // One visit: the patient waits and leaves, comes back and is admitted, signals, drops and
    // resumes, then takes the seat over from a second device.
    const visit = await makeVisit(t);
    const { appointmentId } = visit;
    const waiting = await connect(t, visit.patient);
    await expectAck(waiting.request('session.join', { appointmentId }));
    expect(sample(await scrape(), 'televisit_visits{state="waiting"}')).toBe(1);
    await expectAck(waiting.request('session.leave', { appointmentId }));
    await waiting.close();
    const { patient, clinician } = await inCall(t, visit);
    expect(sample(await scrape(), 'televisit_visits{state="in_call"}')).toBe(1);
    await expectAck(
      patient.request('signal', { appointmentId, type: 'offer', payload: { sdp: 'v=0' } }),
    );
    await clinician.next('signal');
    patient.drop();
    await clinician.next('session.peer-reconnecting');
    const back = await connect(t, visit.patient);
    expect(await expectAck(back.request('session.join', { appointmentId }))).toMatchObject({
      resumed: true,
    });
    const device = await connect(t, visit.patient);
    await expectAck(device.request('session.join', { appointmentId }));
    await back.next('session.replaced');

    // Another visit whose clinician drops for good: the seat expires after the grace.
    const gone = await makeVisit(t);
    const call = await inCall(t, gone);
    call.clinician.drop();
    await call.patient.next('session.peer-reconnecting');
    await call.patient.next('session.peer-left');
    await call.patient.close();

    const refusal = await SignalingClient.refusal(t.baseUrl, { token: 'not-a-token' });
    expect(refusal.status).toBe(401);
    // A notification pushed live: the booking's, to a socket of the clinician's opened after.
    const other = await makeVisit(t);
    const watching = await connect(t, other.clinician);
    await t.api.post(
      `/api/appointments/${other.appointmentId}/cancel`,
      {},
      { token: other.patient.token },
    );
    await watching.next('notification');
    await sleep(100);

    const text = await scrape();
    // prom-client's defaults for the process and Node.
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    // The first visit's clinician, the patient's replaced socket and the device that took the
    // seat over, and the clinician watching the inbox.
    expect(sample(text, 'televisit_sockets_open')).toBe(4);
    expect(sample(text, 'televisit_socket_upgrades_refused_total{reason="INVALID_TOKEN"}')).toBe(1);
    expect(sample(text, 'televisit_visits{state="in_call"}')).toBe(1);
    expect(sample(text, 'televisit_visits{state="waiting"}')).toBe(0);
    // Two admissions (a patient waiting first in each), each timed.
    expect(sample(text, 'televisit_visit_waiting_seconds_count')).toBe(2);
    expect(sample(text, 'televisit_visit_waiting_seconds_bucket{le="+Inf"}')).toBe(2);
    expect(sample(text, 'televisit_visit_signals_relayed_total')).toBe(1);
    expect(sample(text, 'televisit_visit_resumes_total{outcome="succeeded"}')).toBe(1);
    expect(sample(text, 'televisit_visit_resumes_total{outcome="expired"}')).toBe(1);
    expect(sample(text, 'televisit_visit_takeovers_total')).toBe(1);
    expect(
      sample(text, 'televisit_notification_deliveries_total{channel="socket",outcome="sent"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'televisit_db_pool_connections{state="idle"}')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'televisit_db_pool_waiting_requests')).toBe(0);
    expect(text).toContain('# TYPE televisit_bus_lag_seconds histogram');
    expect(text).toContain('# TYPE televisit_reminder_lateness_seconds histogram');
    // No label per user, visit or room.
    expect(text).not.toMatch(UUID);
  });
});
