import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { ClosedReason } from '../appointments/visit-closures';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { sql } from '../database/sql';

/** A seat's socket: on which instance, which connection. */
export interface HeldSocket {
  instanceId: string;
  connectionId: string;
}

/** Reads of visit seats across visits: who is where, what is overdue, what is closed. */
@Injectable()
export class RoomQueries {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The other instances where this user has a socket open (for frames to all of them). */
  async instancesOf(manager: EntityManager, userId: string, except: string): Promise<string[]> {
    const rows = await sql<{ instance_id: string }>(
      manager,
      'SELECT DISTINCT instance_id FROM sockets WHERE user_id = $1 AND instance_id <> $2',
      [userId, except],
    );
    return rows.map((row) => row.instance_id);
  }

  /** The seats of visits with a participant on one of these instances. */
  async visitsOn(manager: EntityManager, instanceIds: string[]): Promise<string[]> {
    const rows = await sql<{ appointment_id: string }>(
      manager,
      `SELECT DISTINCT appointment_id FROM visit_seats WHERE instance_id = ANY($1)
        ORDER BY appointment_id`,
      [instanceIds],
    );
    return rows.map((row) => row.appointment_id);
  }

  /** This instance's seats, with the socket each is held by. */
  async seatsOn(instanceId: string) {
    return sql<{ appointmentId: string; userId: string; connectionId: string }>(
      this.dataSource.manager,
      `SELECT appointment_id AS "appointmentId", user_id AS "userId", connection_id AS "connectionId"
         FROM visit_seats WHERE instance_id = $1`,
      [instanceId],
    );
  }

  /** Seats whose participant has been gone longer than the resume grace period. */
  async expiredSeats(): Promise<{ appointmentId: string; userId: string }[]> {
    return sql(
      this.dataSource.manager,
      `SELECT appointment_id AS "appointmentId", user_id AS "userId" FROM visit_seats
        WHERE disconnected_at < now() - make_interval(secs => $1)`,
      [this.config.visits.resumeGraceSeconds],
    );
  }

  /** Which of these visits have a seat (held or absent). */
  async seated(appointmentIds: string[]): Promise<string[]> {
    if (appointmentIds.length === 0) {
      return [];
    }
    const rows = await sql<{ appointment_id: string }>(
      this.dataSource.manager,
      'SELECT DISTINCT appointment_id FROM visit_seats WHERE appointment_id = ANY($1)',
      [appointmentIds],
    );
    return rows.map((row) => row.appointment_id);
  }

  /**
   * Visits with a seat although they are closed: taken by a join that raced the change closing
   * the visit, or left when the instance closing it stopped before clearing them.
   */
  async seatsOfClosedVisits(): Promise<{ appointmentId: string; reason: ClosedReason }[]> {
    return sql(
      this.dataSource.manager,
      `SELECT DISTINCT a.id AS "appointmentId", a.status AS reason
         FROM visit_seats s JOIN appointments a ON a.id = s.appointment_id
        WHERE a.status IN ('cancelled', 'no_show', 'completed')`,
    );
  }

  /** Where the sockets holding the visit's seats are now (chat reads the database, not a cache). */
  async heldSeats(appointmentId: string): Promise<HeldSocket[]> {
    return sql(
      this.dataSource.manager,
      `SELECT instance_id AS "instanceId", connection_id AS "connectionId" FROM visit_seats
        WHERE appointment_id = $1 AND connection_id IS NOT NULL`,
      [appointmentId],
    );
  }
}
