import type { EntityManager } from 'typeorm';

/** Reminder kinds and how long before the start each is due. */
export const REMINDERS = [
  { kind: '24h', beforeMs: 24 * 60 * 60_000 },
  { kind: '10m', beforeMs: 10 * 60_000 },
] as const;

/**
 * Writes an appointment's reminders in the caller's transaction (a reschedule cancels the unsent
 * ones first). A reminder whose time has already passed is not written: a visit booked 2 hours
 * ahead gets no "24 hours to go".
 */
export async function scheduleReminders(
  manager: EntityManager,
  appointmentId: string,
  startsAt: Date,
  now: Date,
): Promise<void> {
  const due = REMINDERS.map(({ kind, beforeMs }) => ({
    kind,
    dueAt: new Date(startsAt.getTime() - beforeMs),
  })).filter(({ dueAt }) => dueAt.getTime() > now.getTime());
  if (due.length === 0) {
    return;
  }
  await manager.query(
    `INSERT INTO appointment_reminders (appointment_id, kind, due_at)
     SELECT $1, kind, due_at FROM unnest($2::text[], $3::timestamptz[]) AS t (kind, due_at)
     ON CONFLICT (appointment_id, kind) DO UPDATE SET due_at = EXCLUDED.due_at, sent_at = NULL`,
    [appointmentId, due.map((d) => d.kind), due.map((d) => d.dueAt)],
  );
}

/** Removes the reminders not yet sent (cancel, no-show, or before rescheduling). */
export async function cancelReminders(
  manager: EntityManager,
  appointmentId: string,
): Promise<void> {
  await manager.query(
    `DELETE FROM appointment_reminders WHERE appointment_id = $1 AND sent_at IS NULL`,
    [appointmentId],
  );
}
