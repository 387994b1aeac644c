import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AppointmentStatus } from './appointment-status';

@Entity({ name: 'appointments' })
export class Appointment {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'patient_id', type: 'uuid' })
  patientId: string;

  @Column({ name: 'clinician_id', type: 'uuid' })
  clinicianId: string;

  @Column({ name: 'starts_at', type: 'timestamptz' })
  startsAt: Date;

  @Column({ name: 'ends_at', type: 'timestamptz' })
  endsAt: Date;

  @Column({ type: 'text' })
  status: AppointmentStatus;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  /** When a completed visit was ended (it may be before `endsAt`: the rest is free again). */
  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt: Date | null;

  @Column({ type: 'integer' })
  version: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** The contract's appointment shape. */
export interface AppointmentView {
  id: string;
  patientId: string;
  clinicianId: string;
  startsAt: string;
  endsAt: string;
  status: AppointmentStatus;
  reason: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Every column, named as the entity's fields (what `RETURNING` gives back as an Appointment). */
export const APPOINTMENT_COLUMNS = `
  id, patient_id AS "patientId", clinician_id AS "clinicianId", starts_at AS "startsAt",
  ends_at AS "endsAt", status, reason, ended_at AS "endedAt", version,
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/** An instant as `Date.prototype.toISOString` writes it (both truncate to the millisecond). */
const iso = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A listed appointment also names both people, so a list shows names, not ids. */
export interface AppointmentListItem extends AppointmentView {
  patientName: string;
  clinicianName: string;
}

/**
 * A list item straight from SQL (the table aliased `a`), for reads of many rows: no entity to
 * build, no dates to parse and format again.
 */
export const APPOINTMENT_LIST_COLUMNS = `
  a.id, a.patient_id AS "patientId", a.clinician_id AS "clinicianId",
  ${iso('a.starts_at')} AS "startsAt", ${iso('a.ends_at')} AS "endsAt", a.status, a.reason,
  a.version, ${iso('a.created_at')} AS "createdAt", ${iso('a.updated_at')} AS "updatedAt",
  (SELECT display_name FROM users WHERE id = a.patient_id) AS "patientName",
  (SELECT display_name FROM users WHERE id = a.clinician_id) AS "clinicianName"`;

export function toAppointmentView(a: Appointment): AppointmentView {
  return {
    id: a.id,
    patientId: a.patientId,
    clinicianId: a.clinicianId,
    startsAt: a.startsAt.toISOString(),
    endsAt: a.endsAt.toISOString(),
    status: a.status,
    reason: a.reason,
    version: a.version,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}
