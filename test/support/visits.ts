import { connectTestDatabase, insertAppointment } from './pg';
import { loginAdmin, makePatient, makeStaff, slot, TestUser } from './factories';
import { SignalingClient } from './signaling-client';
import type { Served } from './test-app';

export interface TestVisit {
  patient: TestUser;
  clinician: TestUser;
  appointmentId: string;
  startsAt: string;
  endsAt: string;
}

export interface VisitOptions {
  /** Booked through the API, so it must start in the future. Default 5 (inside the early window). */
  startsInMinutes?: number;
  lengthMinutes?: number;
  /** Inserted with SQL instead (no time rules), e.g. a visit already running. */
  row?: {
    startsAt: Date;
    endsAt: Date;
    status?: 'scheduled' | 'in_progress' | 'completed' | 'cancelled' | 'no_show';
  };
  patientName?: string;
  clinicianName?: string;
}

const admins = new WeakMap<Served, Promise<TestUser>>();

/** The app's admin, logged in once per app. */
export function adminOf(t: Served): Promise<TestUser> {
  let admin = admins.get(t);
  if (!admin) {
    admin = loginAdmin(t);
    admins.set(t, admin);
  }
  return admin;
}

/** A fresh patient and clinician with one appointment between them. */
export async function makeVisit(t: Served, options: VisitOptions = {}): Promise<TestVisit> {
  const admin = await adminOf(t);
  const [patient, clinician] = await Promise.all([
    makePatient(t.api, options.patientName ?? 'Pat Patient'),
    makeStaff(t.api, admin.token, 'clinician', options.clinicianName ?? 'Dr Casey Clinician'),
  ]);
  if (options.row) {
    const { startsAt, endsAt, status } = options.row;
    const db = await connectTestDatabase();
    let appointmentId: string;
    try {
      appointmentId = await insertAppointment(db, {
        patientId: patient.id,
        clinicianId: clinician.id,
        startsAt: startsAt.toISOString(),
        endsAt: endsAt.toISOString(),
        status,
      });
    } finally {
      await db.end();
    }
    return {
      patient,
      clinician,
      appointmentId,
      startsAt: startsAt.toISOString(),
      endsAt: endsAt.toISOString(),
    };
  }
  const times = slot(options.startsInMinutes ?? 5, options.lengthMinutes ?? 30);
  const booked = await t.api.post(
    '/api/appointments',
    { clinicianId: clinician.id, ...times },
    { token: patient.token },
  );
  if (booked.status !== 201) {
    throw new Error(`booking failed: ${booked.status} ${JSON.stringify(booked.body)}`);
  }
  return { patient, clinician, appointmentId: booked.body.id as string, ...times };
}

/** A socket for this user (closed by SignalingClient.closeAll). */
export function connect(t: Served, user: TestUser): Promise<SignalingClient> {
  return SignalingClient.open(t.baseUrl, { token: user.token });
}

/**
 * Patient and clinician both joined and the patient admitted: the call is on. Every frame
 * produced on the way is taken, so the sockets start clean. The clinician may be on another
 * instance than the patient.
 */
export async function inCall(t: Served, visit: TestVisit, clinicianOn: Served = t) {
  const { appointmentId } = visit;
  const patient = await connect(t, visit.patient);
  const clinician = await connect(clinicianOn, visit.clinician);
  await expectAck(patient.request('session.join', { appointmentId }));
  await expectAck(clinician.request('session.join', { appointmentId }));
  await clinician.next('session.waiting');
  await expectAck(clinician.request('session.admit', { appointmentId }));
  await patient.next('session.peer-joined');
  await clinician.next('session.peer-joined');
  return { patient, clinician };
}

/** The ack's data, or a failure showing the error frame received instead. */
export async function expectAck(answer: Promise<{ event: string; data: any }>): Promise<any> {
  const frame = await answer;
  if (frame.event !== 'ack') {
    throw new Error(`expected an ack, got ${JSON.stringify(frame)}`);
  }
  return frame.data;
}
