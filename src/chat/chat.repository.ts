import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { sql } from '../database/sql';
import type { PresentParticipant } from '../signaling/visit-roster';
import type { ChatMessageRow } from './chat-message';

/** At most this many messages in one history answer. */
export const CHAT_PAGE = 200;

const COLUMNS = 'id, appointment_id, seq, sender_id, sender_role, display_name, text, sent_at';

/** `visit_messages`: chat kept with its appointment, numbered per appointment. */
@Injectable()
export class ChatRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Stores a message under the visit's counter row (so `seq` is handed out one at a time on any
   * instance, with no gaps), or answers the one this sender already sent with this client id.
   */
  add(
    appointmentId: string,
    sender: PresentParticipant,
    clientMessageId: string,
    text: string,
  ): Promise<{ row: ChatMessageRow; created: boolean }> {
    return this.dataSource.transaction(async (manager) => {
      await sql(
        manager,
        `INSERT INTO visit_message_counters (appointment_id) VALUES ($1)
         ON CONFLICT (appointment_id) DO NOTHING`,
        [appointmentId],
      );
      await sql(
        manager,
        'SELECT 1 FROM visit_message_counters WHERE appointment_id = $1 FOR UPDATE',
        [appointmentId],
      );
      const [earlier] = await sql<ChatMessageRow>(
        manager,
        `SELECT ${COLUMNS} FROM visit_messages
          WHERE appointment_id = $1 AND sender_id = $2 AND client_message_id = $3`,
        [appointmentId, sender.userId, clientMessageId],
      );
      if (earlier) {
        return { row: earlier, created: false };
      }
      const [row] = await sql<ChatMessageRow>(
        manager,
        `WITH next AS (
           UPDATE visit_message_counters SET last_seq = last_seq + 1
            WHERE appointment_id = $1 RETURNING last_seq)
         INSERT INTO visit_messages
           (appointment_id, seq, sender_id, sender_role, display_name, client_message_id, text)
         SELECT $1, last_seq, $2, $3, $4, $5, $6 FROM next
         RETURNING ${COLUMNS}`,
        [appointmentId, sender.userId, sender.role, sender.displayName, clientMessageId, text],
      );
      return { row, created: true };
    });
  }

  /** The visit's messages after `afterSeq`, oldest first, at most CHAT_PAGE. */
  after(appointmentId: string, afterSeq = 0): Promise<ChatMessageRow[]> {
    return sql<ChatMessageRow>(
      this.dataSource.manager,
      `SELECT ${COLUMNS} FROM visit_messages
        WHERE appointment_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [appointmentId, afterSeq, CHAT_PAGE],
    );
  }
}
