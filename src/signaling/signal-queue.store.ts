import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { sql } from '../database/sql';
import { SignalingErrors } from './signaling.errors';
import { MAX_QUEUED_FRAMES } from './visit-room';

/**
 * Signals kept for a participant who is reconnecting (`visit_signal_queue`), bounded per seat,
 * handed over in order on their return. Always inside the visit's transaction (RoomStore.change)
 * or the release of instances.
 */
@Injectable()
export class SignalQueueStore {
  /** Keeps a signal for a reconnecting participant; refuses past the queue's bound. */
  async enqueue(
    manager: EntityManager,
    appointmentId: string,
    userId: string,
    frame: string,
  ): Promise<void> {
    const [{ waiting }] = await sql<{ waiting: number }>(
      manager,
      `SELECT count(*)::int AS waiting FROM visit_signal_queue
        WHERE appointment_id = $1 AND user_id = $2`,
      [appointmentId, userId],
    );
    if (waiting >= MAX_QUEUED_FRAMES) {
      throw SignalingErrors.queueFull();
    }
    await sql(
      manager,
      'INSERT INTO visit_signal_queue (appointment_id, user_id, frame) VALUES ($1, $2, $3)',
      [appointmentId, userId, frame],
    );
  }

  /**
   * Keeps, in order, signals for seats that just went absent (their instance was released with
   * the signals still in its mailbox), up to each seat's queue bound. Answers how many did not
   * fit.
   */
  async requeue(
    manager: EntityManager,
    frames: { appointmentId: string; userId: string; text: string }[],
  ): Promise<number> {
    if (frames.length === 0) {
      return 0;
    }
    const kept = await sql(
      manager,
      `WITH g AS (
         SELECT appointment_id, user_id, frame, n,
                row_number() OVER (PARTITION BY appointment_id, user_id ORDER BY n) AS k
           FROM unnest($1::uuid[], $2::uuid[], $3::text[]) WITH ORDINALITY
                AS g (appointment_id, user_id, frame, n)),
       waiting AS (
         SELECT q.appointment_id, q.user_id, count(*) AS c FROM visit_signal_queue q
          WHERE (q.appointment_id, q.user_id) IN (SELECT appointment_id, user_id FROM g)
          GROUP BY 1, 2)
       INSERT INTO visit_signal_queue (appointment_id, user_id, frame)
       SELECT g.appointment_id, g.user_id, g.frame
         FROM g LEFT JOIN waiting w USING (appointment_id, user_id)
        WHERE g.k + coalesce(w.c, 0) <= $4
        ORDER BY g.n
       RETURNING id`,
      [
        frames.map((f) => f.appointmentId),
        frames.map((f) => f.userId),
        frames.map((f) => f.text),
        MAX_QUEUED_FRAMES,
      ],
    );
    return frames.length - kept.length;
  }

  /** Takes, in order, the signals kept for a participant who is back. */
  async takeQueued(manager: EntityManager, appointmentId: string, userId: string) {
    const rows = await sql<{ frame: string }>(
      manager,
      `WITH taken AS (
         DELETE FROM visit_signal_queue WHERE appointment_id = $1 AND user_id = $2
         RETURNING id, frame)
       SELECT frame FROM taken ORDER BY id`,
      [appointmentId, userId],
    );
    return rows.map((row) => row.frame);
  }
}
