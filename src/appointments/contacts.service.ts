import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { sql } from '../database/sql';
import { ContactsChannel } from '../realtime/contacts-channel';
import { lockUsers } from '../realtime/user-locks';
import { CONTACT_HORIZON } from './contacts';

/** The two sides of a visit. */
export interface VisitPair {
  patientId: string;
  clinicianId: string;
}

/**
 * Who may see whose presence (the rule is the database function `appointment_contacts`), and
 * introducing people who have just become contacts: a visit booked or moved to within the
 * horizon, or come within it as time passed. Presence announcements reach only the watchers
 * of a change, so without an introduction two people connected all along would see nothing of
 * each other until one of them changed. Cancelling or missing a visit introduces nobody: the
 * pair's later changes are simply not sent.
 */
@Injectable()
export class ContactsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly channel: ContactsChannel,
    private readonly clock: Clock,
  ) {}

  /**
   * The people `userId` may see the presence of: those they share a visit with that is in
   * progress, or scheduled to start within CONTACT_HORIZON and not yet over.
   */
  async contactsOf(
    userId: string,
    now: Date,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<string[]> {
    return (await this.contactsOfAll([userId], now, manager)).get(userId) ?? [];
  }

  /** `contactsOf` for several users in one query; users without contacts are left out. */
  async contactsOfAll(
    userIds: string[],
    now: Date,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Map<string, string[]>> {
    const rows = await sql<{ user_id: string; contact: string }>(
      manager,
      'SELECT user_id, contact FROM appointment_contacts($1, $2, $3)',
      [userIds, now, CONTACT_HORIZON],
    );
    const contacts = new Map<string, string[]>();
    for (const row of rows) {
      contacts.set(row.user_id, [...(contacts.get(row.user_id) ?? []), row.contact]);
    }
    return contacts;
  }

  /**
   * Inside a transaction about to book or move a visit between these two (their diaries
   * locked): answers the step to run once the visit is written, which introduces them on
   * commit if that made them contacts. Nothing is asked again of a pair who already were.
   */
  async introductionFor(manager: EntityManager, pair: VisitPair): Promise<() => Promise<void>> {
    if (await this.areContacts(manager, pair)) {
      return () => Promise.resolve();
    }
    return async () => {
      if (await this.areContacts(manager, pair)) {
        await this.introduce(manager, [pair]);
      }
    };
  }

  /**
   * Inside the transaction sending these visits' 24-hour reminders (at `now`): introduces the
   * pairs that are contacts now and were not the instant before their visit came within the
   * horizon (those who were, through another visit, have been seeing each other since).
   */
  async cameWithinHorizon(
    manager: EntityManager,
    appointmentIds: string[],
    now: Date,
  ): Promise<void> {
    if (appointmentIds.length === 0) {
      return;
    }
    const pairs = await sql<VisitPair>(
      manager,
      `SELECT DISTINCT a.patient_id AS "patientId", a.clinician_id AS "clinicianId"
         FROM appointments a
        WHERE a.id = ANY($1)
          AND EXISTS (SELECT 1 FROM appointment_contacts(ARRAY[a.patient_id], $2, $3) c
                       WHERE c.contact = a.clinician_id)
          AND NOT EXISTS (
                SELECT 1
                  FROM appointment_contacts(
                         ARRAY[a.patient_id],
                         a.starts_at - $3::interval - interval '1 millisecond', $3) c
                 WHERE c.contact = a.clinician_id)`,
      [appointmentIds, now, CONTACT_HORIZON],
    );
    await this.introduce(manager, pairs);
  }

  private async areContacts(manager: EntityManager, pair: VisitPair): Promise<boolean> {
    const rows = await sql(
      manager,
      'SELECT 1 FROM appointment_contacts(ARRAY[$1]::uuid[], $3, $4) WHERE contact = $2',
      [pair.patientId, pair.clinicianId, this.clock.now(), CONTACT_HORIZON],
    );
    return rows.length > 0;
  }

  /**
   * Holding the users' live-state locks until the commit, as every presence change does: a
   * change of theirs either committed before (and the introduction reads it) or comes after
   * and counts the new contact among its watchers.
   */
  private async introduce(manager: EntityManager, pairs: VisitPair[]): Promise<void> {
    if (pairs.length === 0) {
      return;
    }
    await lockUsers(
      manager,
      pairs.flatMap((pair) => [pair.patientId, pair.clinicianId]),
    );
    await this.channel.publish(
      manager,
      pairs.map((pair) => [pair.patientId, pair.clinicianId]),
    );
  }
}
