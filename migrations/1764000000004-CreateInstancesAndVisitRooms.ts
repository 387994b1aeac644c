import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What several instances share: who is running (with a heartbeat), which sockets each holds,
 * presence, visit rooms and their seats, and a short-lived mailbox between instances.
 */
export class CreateInstancesAndVisitRooms1764000000004 implements MigrationInterface {
  name = 'CreateInstancesAndVisitRooms1764000000004';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Times here come from the database clock, so instances' clock skew does not matter.
    await queryRunner.query(`
      CREATE TABLE instances (
        id           uuid PRIMARY KEY,
        started_at   timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now()
      )`);
    // An instance that is declared dead takes its sockets with it.
    await queryRunner.query(`
      CREATE TABLE sockets (
        id          uuid PRIMARY KEY,
        instance_id uuid NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
        user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        opened_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX sockets_user_idx ON sockets (user_id)`);
    await queryRunner.query(`CREATE INDEX sockets_instance_idx ON sockets (instance_id)`);
    // What a user chose, and what their contacts were last told (so unchanged states are not
    // announced again).
    await queryRunner.query(`
      CREATE TABLE presence (
        user_id      uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        chosen       text NOT NULL DEFAULT 'available'
                     CHECK (chosen IN ('available', 'away', 'busy')),
        announced    text NOT NULL DEFAULT 'offline'
                     CHECK (announced IN ('available', 'away', 'busy', 'in_call', 'offline')),
        last_seen_at timestamptz
      )`);
    // One row per visit ever joined: locking it serialises the visit's changes across
    // instances, and its version orders the snapshots instances send each other. The row is
    // kept after the visit so versions never go back.
    await queryRunner.query(`
      CREATE TABLE visit_rooms (
        appointment_id uuid PRIMARY KEY REFERENCES appointments (id) ON DELETE CASCADE,
        version        bigint NOT NULL
      )`);
    // A seat is held by one socket on one instance, or by nobody while its participant has the
    // resume grace period to come back.
    await queryRunner.query(`
      CREATE TABLE visit_seats (
        appointment_id  uuid NOT NULL REFERENCES visit_rooms (appointment_id) ON DELETE CASCADE,
        side            text NOT NULL CHECK (side IN ('patient', 'clinician')),
        user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        display_name    text NOT NULL,
        instance_id     uuid REFERENCES instances (id),
        connection_id   uuid,
        admitted        boolean NOT NULL,
        disconnected_at timestamptz,
        PRIMARY KEY (appointment_id, side),
        CONSTRAINT visit_seats_held_check CHECK ((instance_id IS NULL) = (connection_id IS NULL)),
        CONSTRAINT visit_seats_absent_check CHECK (
          (connection_id IS NULL) = (disconnected_at IS NOT NULL))
      )`);
    await queryRunner.query(`CREATE INDEX visit_seats_user_idx ON visit_seats (user_id)`);
    await queryRunner.query(
      `CREATE INDEX visit_seats_instance_idx ON visit_seats (instance_id) WHERE instance_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX visit_seats_absent_idx ON visit_seats (disconnected_at) WHERE disconnected_at IS NOT NULL`,
    );
    // Signals for a participant who is reconnecting, delivered in order when they return
    // (on whichever instance).
    await queryRunner.query(`
      CREATE TABLE visit_signal_queue (
        id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        appointment_id uuid NOT NULL,
        side           text NOT NULL,
        frame          text NOT NULL,
        FOREIGN KEY (appointment_id, side)
          REFERENCES visit_seats (appointment_id, side) ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX visit_signal_queue_seat_idx ON visit_signal_queue (appointment_id, side, id)`,
    );
    // Messages from one instance to another. NOTIFY carries the id (and the body when it fits
    // under NOTIFY's 8000-byte limit); the row lets a receiver fetch a large body and catch up
    // on what it missed while its listener was reconnecting. Rows are swept after a few minutes.
    await queryRunner.query(`
      CREATE TABLE instance_messages (
        id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        recipient uuid NOT NULL,
        sender    uuid NOT NULL,
        body      text NOT NULL,
        sent_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX instance_messages_recipient_idx ON instance_messages (recipient, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX instance_messages_sent_idx ON instance_messages (sent_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE instance_messages`);
    await queryRunner.query(`DROP TABLE visit_signal_queue`);
    await queryRunner.query(`DROP TABLE visit_seats`);
    await queryRunner.query(`DROP TABLE visit_rooms`);
    await queryRunner.query(`DROP TABLE presence`);
    await queryRunner.query(`DROP TABLE sockets`);
    await queryRunner.query(`DROP TABLE instances`);
  }
}
