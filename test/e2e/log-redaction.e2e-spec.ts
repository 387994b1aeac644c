import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { loginAdmin, makePatient, makeStaff, slot, uniqueEmail } from '../support/factories';
import { createScratchDatabase } from '../support/db';
import { Instance, startInstance } from '../support/instances';
import { connect, expectAck, makeVisit } from '../support/visits';

/** Values only these requests use: a constraint that refuses them forces a database error. */
const MARKER = 'FAIL-ME';
const PASSWORD = `${MARKER}-secret-password-1`;
const REASON = `HIV test results ${MARKER}`;
const CHAT = 'my rash is spreading';

interface LogLine {
  level: number;
  msg?: string;
  err?: Record<string, unknown>;
}

/**
 * A database error on a write carries the write's values (the password hash, the reason) in
 * TypeORM's error. The instance runs as in production (`npm start`, NODE_ENV=production, the
 * default info level) on a database of its own, where a constraint refuses the marked values.
 */
describe('log lines of database errors (e2e, a production instance)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: Client;
  let instance: Instance;
  let stdout = '';

  beforeAll(async () => {
    scratch = await createScratchDatabase('televisit_logs');
    instance = await startInstance('production', scratch.env, {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      JWT_SECRET: randomBytes(32).toString('hex'),
    });
    instance.process.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    db = new Client({ connectionString: scratch.url });
    await db.connect();
    await db.query(`ALTER TABLE users ADD CONSTRAINT users_fail_me
      CHECK (display_name NOT LIKE '${MARKER}%') NOT VALID`);
    await db.query(`ALTER TABLE appointments ADD CONSTRAINT appointments_fail_me
      CHECK (reason IS NULL OR reason NOT LIKE '%${MARKER}%') NOT VALID`);
    await db.query(`ALTER TABLE visit_messages ADD CONSTRAINT visit_messages_fail_me
      CHECK (text NOT LIKE '%${MARKER}%') NOT VALID`);
  }, 120_000);

  afterAll(async () => {
    await instance?.close();
    await db?.end();
    await scratch?.drop();
  }, 60_000);

  const lines = () =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);

  async function errorLines(count: number, msg = 'Unhandled error'): Promise<LogLine[]> {
    for (let i = 0; i < 100; i++) {
      const found = lines().filter((line) => line.msg === msg);
      if (found.length >= count) {
        return found;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`expected ${count} error lines in:\n${stdout}`);
  }

  it('never carries the password, its hash, the reason or the query parameters', async () => {
    const { api } = instance;
    const admin = await loginAdmin(instance);
    const clinician = await makeStaff(api, admin.token);
    const patient = await makePatient(api);

    const registered = await api.post('/api/auth/register', {
      email: uniqueEmail('fail'),
      password: PASSWORD,
      displayName: `${MARKER} Patient`,
    });
    const created = await api.post(
      '/api/users',
      {
        email: uniqueEmail('fail'),
        password: PASSWORD,
        displayName: `${MARKER} Clinician`,
        role: 'clinician',
      },
      { token: admin.token },
    );
    const booked = await api.post(
      '/api/appointments',
      { clinicianId: clinician.id, ...slot(120), reason: REASON },
      { token: patient.token },
    );
    expect([registered.status, created.status, booked.status]).toEqual([500, 500, 500]);

    const errors = await errorLines(3);
    // Where it failed is still there for whoever reads the log.
    expect(errors.map((line) => line.err)).toEqual([
      expect.objectContaining({ code: '23514', constraint: 'users_fail_me', table: 'users' }),
      expect.objectContaining({ code: '23514', constraint: 'users_fail_me', table: 'users' }),
      expect.objectContaining({ code: '23514', constraint: 'appointments_fail_me' }),
    ]);
    expect(lines().some((line) => line.level === 30)).toBe(true);
    const text = stdout;
    expect(text).not.toContain('$argon2');
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('HIV');
    expect(text).not.toContain('parameters');
    expect(text).not.toContain('Failing row');
  });

  it('never carries a chat message, sent or refused by the database', async () => {
    const visit = await makeVisit(instance);
    const { appointmentId } = visit;
    const patient = await connect(instance, visit.patient);
    try {
      await expectAck(patient.request('session.join', { appointmentId }));
      await expectAck(
        patient.request('chat.send', { appointmentId, clientMessageId: 'a', text: CHAT }),
      );
      const refused = await patient.request('chat.send', {
        appointmentId,
        clientMessageId: 'b',
        text: `${CHAT} ${MARKER}`,
      });
      expect(refused).toMatchObject({ event: 'error', data: { code: 'INTERNAL_ERROR' } });

      const errors = await errorLines(1, 'Unhandled socket error');
      expect(errors[0].err).toEqual(
        expect.objectContaining({ code: '23514', constraint: 'visit_messages_fail_me' }),
      );
      expect(stdout).not.toContain('my rash');
    } finally {
      patient.drop();
    }
  });
});
