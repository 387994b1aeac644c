import { MetricsServer } from '../../src/metrics/metrics-server';
import { SignalingClient } from '../support/signaling-client';
import { startTestApp, TestApp } from '../support/test-app';
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
    t = await startTestApp({ METRICS_PORT: '0' });
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

  it('reports the process, the sockets, the pool and what a real visit did, naming nobody', async () => {
    const visit = await makeVisit(t);
    const { patient, clinician } = await inCall(t, visit);
    await expectAck(
      patient.request('signal', {
        appointmentId: visit.appointmentId,
        type: 'offer',
        payload: { sdp: 'v=0' },
      }),
    );
    await clinician.next('signal');
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

    const text = await scrape();
    // prom-client's defaults for the process and Node.
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(sample(text, 'televisit_sockets_open')).toBe(3);
    expect(sample(text, 'televisit_socket_upgrades_refused_total{reason="INVALID_TOKEN"}')).toBe(1);
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
