import { Client } from 'pg';
import { connectTestDatabase, insertAppointment, insertUser } from '../support/pg';

const EXCLUSION_VIOLATION = '23P01';
const CHECK_VIOLATION = '23514';

const clinicianOverlap = {
  code: EXCLUSION_VIOLATION,
  constraint: 'appointments_clinician_no_overlap',
};
const patientOverlap = { code: EXCLUSION_VIOLATION, constraint: 'appointments_patient_no_overlap' };

describe('appointments table constraints', () => {
  let client: Client;

  beforeAll(async () => {
    client = await connectTestDatabase();
  });

  afterAll(async () => {
    await client.end();
  });

  async function countFor(column: 'clinician_id' | 'patient_id', id: string): Promise<number> {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM appointments WHERE ${column} = $1`,
      [id],
    );
    return rows[0].n;
  }

  async function statusOf(id: string): Promise<string> {
    const { rows } = await client.query<{ status: string }>(
      'SELECT status FROM appointments WHERE id = $1',
      [id],
    );
    return rows[0].status;
  }

  describe('a completed visit ended early', () => {
    async function endedVisit(endedAt: string) {
      const clinicianId = await insertUser(client, 'clinician');
      const patientId = await insertUser(client, 'patient');
      await client.query(
        `INSERT INTO appointments (patient_id, clinician_id, starts_at, ends_at, status, ended_at)
         VALUES ($1, $2, '2030-01-01T10:00:00Z', '2030-01-01T10:30:00Z', 'completed', $3)`,
        [patientId, clinicianId, endedAt],
      );
      return { clinicianId, patientId };
    }

    it('occupies its time only until it ended, for its clinician and its patient', async () => {
      const { clinicianId, patientId } = await endedVisit('2030-01-01T10:10:00Z');
      const otherPatient = await insertUser(client, 'patient');
      const otherClinician = await insertUser(client, 'clinician');
      await expect(
        insertAppointment(client, {
          patientId: otherPatient,
          clinicianId,
          startsAt: '2030-01-01T10:05:00Z',
          endsAt: '2030-01-01T10:15:00Z',
        }),
      ).rejects.toMatchObject(clinicianOverlap);
      await expect(
        insertAppointment(client, {
          patientId,
          clinicianId: otherClinician,
          startsAt: '2030-01-01T10:09:00Z',
          endsAt: '2030-01-01T10:20:00Z',
        }),
      ).rejects.toMatchObject(patientOverlap);
      await insertAppointment(client, {
        patientId: otherPatient,
        clinicianId,
        startsAt: '2030-01-01T10:10:00Z',
        endsAt: '2030-01-01T10:30:00Z',
      });
      await insertAppointment(client, {
        patientId,
        clinicianId: otherClinician,
        startsAt: '2030-01-01T10:15:00Z',
        endsAt: '2030-01-01T10:25:00Z',
      });
      expect(await countFor('clinician_id', clinicianId)).toBe(2);
    });

    it('occupies nothing when it ended before its start', async () => {
      const { clinicianId } = await endedVisit('2030-01-01T09:50:00Z');
      await insertAppointment(client, {
        patientId: await insertUser(client, 'patient'),
        clinicianId,
        startsAt: '2030-01-01T10:00:00Z',
        endsAt: '2030-01-01T10:30:00Z',
      });
      expect(await countFor('clinician_id', clinicianId)).toBe(2);
    });

    it('refuses an end time on a visit that is not completed (23514)', async () => {
      const clinicianId = await insertUser(client, 'clinician');
      const patientId = await insertUser(client, 'patient');
      await expect(
        client.query(
          `INSERT INTO appointments (patient_id, clinician_id, starts_at, ends_at, status, ended_at)
           VALUES ($1, $2, '2030-01-01T10:00:00Z', '2030-01-01T10:30:00Z', 'in_progress', now())`,
          [patientId, clinicianId],
        ),
      ).rejects.toMatchObject({
        code: CHECK_VIOLATION,
        constraint: 'appointments_ended_only_completed',
      });
    });
  });

  describe('no double booking', () => {
    it.each([
      ['a partial overlap', '2030-01-01T10:15:00Z', '2030-01-01T10:45:00Z'],
      ['the same slot', '2030-01-01T10:00:00Z', '2030-01-01T10:30:00Z'],
      ['a slot inside it', '2030-01-01T10:05:00Z', '2030-01-01T10:10:00Z'],
      ['a slot around it', '2030-01-01T09:00:00Z', '2030-01-01T11:00:00Z'],
      [
        'the same instant in another offset',
        '2030-01-01T11:29:00+01:00',
        '2030-01-01T12:00:00+01:00',
      ],
    ])(
      "refuses a clinician's second appointment at %s (23P01, clinician constraint)",
      async (_label, startsAt, endsAt) => {
        const clinicianId = await insertUser(client, 'clinician');
        const first = await insertUser(client, 'patient');
        const second = await insertUser(client, 'patient');
        await insertAppointment(client, {
          patientId: first,
          clinicianId,
          startsAt: '2030-01-01T10:00:00Z',
          endsAt: '2030-01-01T10:30:00Z',
        });

        await expect(
          insertAppointment(client, { patientId: second, clinicianId, startsAt, endsAt }),
        ).rejects.toMatchObject(clinicianOverlap);
        expect(await countFor('clinician_id', clinicianId)).toBe(1);
      },
    );

    it("refuses a patient's overlapping appointment with another clinician (23P01, patient constraint)", async () => {
      const patientId = await insertUser(client, 'patient');
      const firstClinician = await insertUser(client, 'clinician');
      const secondClinician = await insertUser(client, 'clinician');
      await insertAppointment(client, {
        patientId,
        clinicianId: firstClinician,
        startsAt: '2030-01-01T10:00:00Z',
        endsAt: '2030-01-01T10:30:00Z',
      });

      await expect(
        insertAppointment(client, {
          patientId,
          clinicianId: secondClinician,
          startsAt: '2030-01-01T10:29:00Z',
          endsAt: '2030-01-01T11:00:00Z',
        }),
      ).rejects.toMatchObject(patientOverlap);
      expect(await countFor('patient_id', patientId)).toBe(1);
    });

    it('allows back-to-back appointments for the same clinician and patient (half-open ranges)', async () => {
      const clinicianId = await insertUser(client, 'clinician');
      const patientId = await insertUser(client, 'patient');
      const slots = [
        ['2030-01-01T10:00:00Z', '2030-01-01T10:30:00Z'],
        ['2030-01-01T10:30:00Z', '2030-01-01T11:00:00Z'],
        // Starts exactly when the first one does end, written in another offset.
        ['2030-01-01T09:30:00Z', '2030-01-01T11:00:00+01:00'],
      ];
      for (const [startsAt, endsAt] of slots) {
        await insertAppointment(client, { patientId, clinicianId, startsAt, endsAt });
      }
      expect(await countFor('clinician_id', clinicianId)).toBe(3);
    });

    it('lets different clinicians with different patients book the same slot', async () => {
      for (let i = 0; i < 2; i++) {
        await insertAppointment(client, {
          patientId: await insertUser(client, 'patient'),
          clinicianId: await insertUser(client, 'clinician'),
          startsAt: '2030-01-01T10:00:00Z',
          endsAt: '2030-01-01T10:30:00Z',
        });
      }
    });

    it('does not let a cancelled appointment block its slot', async () => {
      const clinicianId = await insertUser(client, 'clinician');
      const patientId = await insertUser(client, 'patient');
      const slot = { startsAt: '2030-01-01T10:00:00Z', endsAt: '2030-01-01T10:30:00Z' };
      await insertAppointment(client, { patientId, clinicianId, ...slot, status: 'cancelled' });
      await insertAppointment(client, { patientId, clinicianId, ...slot, status: 'cancelled' });

      await insertAppointment(client, { patientId, clinicianId, ...slot });
      expect(await countFor('clinician_id', clinicianId)).toBe(3);
    });

    it('frees the slot once an appointment is cancelled', async () => {
      const clinicianId = await insertUser(client, 'clinician');
      const slot = { startsAt: '2030-01-01T10:00:00Z', endsAt: '2030-01-01T10:30:00Z' };
      const first = await insertAppointment(client, {
        patientId: await insertUser(client, 'patient'),
        clinicianId,
        ...slot,
      });
      const second = await insertUser(client, 'patient');
      await expect(
        insertAppointment(client, { patientId: second, clinicianId, ...slot }),
      ).rejects.toMatchObject(clinicianOverlap);

      await client.query(`UPDATE appointments SET status = 'cancelled' WHERE id = $1`, [first]);
      await insertAppointment(client, { patientId: second, clinicianId, ...slot });
      expect(await countFor('clinician_id', clinicianId)).toBe(2);
    });

    it.each(['in_progress', 'completed', 'no_show'])(
      'lets a %s appointment block its slot',
      async (status) => {
        const clinicianId = await insertUser(client, 'clinician');
        const slot = { startsAt: '2030-01-01T10:00:00Z', endsAt: '2030-01-01T10:30:00Z' };
        await insertAppointment(client, {
          patientId: await insertUser(client, 'patient'),
          clinicianId,
          ...slot,
          status,
        });

        await expect(
          insertAppointment(client, {
            patientId: await insertUser(client, 'patient'),
            clinicianId,
            ...slot,
          }),
        ).rejects.toMatchObject(clinicianOverlap);
      },
    );

    it('refuses un-cancelling an appointment into an overlap, and leaves it cancelled', async () => {
      const clinicianId = await insertUser(client, 'clinician');
      const slot = { startsAt: '2030-01-01T10:00:00Z', endsAt: '2030-01-01T10:30:00Z' };
      const cancelled = await insertAppointment(client, {
        patientId: await insertUser(client, 'patient'),
        clinicianId,
        ...slot,
        status: 'cancelled',
      });
      await insertAppointment(client, {
        patientId: await insertUser(client, 'patient'),
        clinicianId,
        startsAt: '2030-01-01T10:20:00Z',
        endsAt: '2030-01-01T10:50:00Z',
      });

      await expect(
        client.query(`UPDATE appointments SET status = 'scheduled' WHERE id = $1`, [cancelled]),
      ).rejects.toMatchObject(clinicianOverlap);
      expect(await statusOf(cancelled)).toBe('cancelled');
    });

    it('refuses rescheduling an appointment onto an overlap, and keeps its times', async () => {
      const patientId = await insertUser(client, 'patient');
      const moved = await insertAppointment(client, {
        patientId,
        clinicianId: await insertUser(client, 'clinician'),
        startsAt: '2030-01-01T08:00:00Z',
        endsAt: '2030-01-01T08:30:00Z',
      });
      await insertAppointment(client, {
        patientId,
        clinicianId: await insertUser(client, 'clinician'),
        startsAt: '2030-01-01T10:00:00Z',
        endsAt: '2030-01-01T10:30:00Z',
      });

      await expect(
        client.query(
          `UPDATE appointments SET starts_at = '2030-01-01T09:45:00Z', ends_at = '2030-01-01T10:15:00Z'
           WHERE id = $1`,
          [moved],
        ),
      ).rejects.toMatchObject(patientOverlap);
      const { rows } = await client.query<{ starts_at: Date }>(
        'SELECT starts_at FROM appointments WHERE id = $1',
        [moved],
      );
      expect(rows[0].starts_at.toISOString()).toBe('2030-01-01T08:00:00.000Z');
    });
  });

  describe('checks', () => {
    it.each([
      ['an end before the start', '2030-01-01T10:30:00Z', '2030-01-01T10:00:00Z'],
      ['an end equal to the start', '2030-01-01T10:00:00Z', '2030-01-01T10:00:00Z'],
    ])('refuses %s (appointments_time_order)', async (_label, startsAt, endsAt) => {
      const clinicianId = await insertUser(client, 'clinician');
      await expect(
        insertAppointment(client, {
          patientId: await insertUser(client, 'patient'),
          clinicianId,
          startsAt,
          endsAt,
        }),
      ).rejects.toMatchObject({ code: CHECK_VIOLATION, constraint: 'appointments_time_order' });
      expect(await countFor('clinician_id', clinicianId)).toBe(0);
    });

    it('refuses the same person as patient and clinician (appointments_distinct_people)', async () => {
      const userId = await insertUser(client, 'clinician');
      await expect(
        insertAppointment(client, {
          patientId: userId,
          clinicianId: userId,
          startsAt: '2030-01-01T10:00:00Z',
          endsAt: '2030-01-01T10:30:00Z',
        }),
      ).rejects.toMatchObject({
        code: CHECK_VIOLATION,
        constraint: 'appointments_distinct_people',
      });
      expect(await countFor('clinician_id', userId)).toBe(0);
    });

    it.each(['pending', 'SCHEDULED', 'rescheduled', ''])(
      'refuses the unknown status %j (appointments_status_check)',
      async (status) => {
        const clinicianId = await insertUser(client, 'clinician');
        await expect(
          insertAppointment(client, {
            patientId: await insertUser(client, 'patient'),
            clinicianId,
            startsAt: '2030-01-01T10:00:00Z',
            endsAt: '2030-01-01T10:30:00Z',
            status,
          }),
        ).rejects.toMatchObject({ code: CHECK_VIOLATION, constraint: 'appointments_status_check' });
        expect(await countFor('clinician_id', clinicianId)).toBe(0);
      },
    );

    it('refuses changing a status to an unknown one', async () => {
      const id = await insertAppointment(client, {
        patientId: await insertUser(client, 'patient'),
        clinicianId: await insertUser(client, 'clinician'),
        startsAt: '2030-01-01T10:00:00Z',
        endsAt: '2030-01-01T10:30:00Z',
      });
      await expect(
        client.query(`UPDATE appointments SET status = 'archived' WHERE id = $1`, [id]),
      ).rejects.toMatchObject({ code: CHECK_VIOLATION, constraint: 'appointments_status_check' });
      expect(await statusOf(id)).toBe('scheduled');
    });
  });

  describe('under concurrency', () => {
    const clients: Client[] = [];

    afterAll(async () => {
      await Promise.all(clients.map((c) => c.end()));
    });

    it('lets exactly one of 10 parallel overlapping bookings of one clinician commit', async () => {
      const clinicianId = await insertUser(client, 'clinician');
      const patients: string[] = [];
      for (let i = 0; i < 10; i++) {
        patients.push(await insertUser(client, 'patient'));
      }
      for (let i = 0; i < 10; i++) {
        clients.push(await connectTestDatabase());
      }
      // Every transaction is open before any of them inserts.
      await Promise.all(clients.map((c) => c.query('BEGIN')));

      const results = await Promise.allSettled(
        clients.map(async (c, i) => {
          try {
            // Each range starts i minutes later; every pair of them overlaps.
            await c.query(
              `INSERT INTO appointments (patient_id, clinician_id, starts_at, ends_at)
               VALUES ($1, $2, $3::timestamptz + make_interval(mins => $4::int),
                       $3::timestamptz + make_interval(mins => $4::int + 30))`,
              [patients[i], clinicianId, '2030-01-01T10:00:00Z', i],
            );
            await c.query('COMMIT');
          } catch (error) {
            await c.query('ROLLBACK');
            throw error;
          }
        }),
      );

      const committed = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(committed).toHaveLength(1);
      expect(refused).toHaveLength(9);
      // Concurrent inserters into an exclusion constraint can wait on each other's uncommitted
      // rows; Postgres then aborts one with deadlock_detected (40P01) rather than 23P01.
      for (const failure of refused) {
        const { code, constraint } = failure.reason as { code?: string; constraint?: string };
        expect(['23P01 appointments_clinician_no_overlap', '40P01 -']).toContain(
          `${code} ${constraint ?? '-'}`,
        );
      }
      expect(await countFor('clinician_id', clinicianId)).toBe(1);
    });
  });
});
