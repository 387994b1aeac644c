import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../src/database/migrations';
import { runMigrations } from '../../src/database/migrator';
import { typeormOptions } from '../../src/database/typeorm-options';
import { createScratchDatabase } from '../support/db';

/** The tables each migration creates, in migration order. */
const TABLES_BY_MIGRATION = [
  ['users', 'auth_sessions', 'refresh_tokens'],
  ['appointments', 'idempotency_keys'],
  ['audit_log'],
  ['notifications', 'appointment_reminders'],
  [
    'instances',
    'sockets',
    'presence',
    'visit_rooms',
    'visit_seats',
    'visit_signal_queue',
    'instance_messages',
  ],
  [], // the notification push carries the notification
  [], // socket changes and presence as database functions
  [], // emails in NFC, registrations counted by address
  [], // a visit ended early frees the rest of its time
  [], // the serving role's rights (a function the migrator calls)
  [], // how far each instance has handled its mailbox
  ['clinician_schedules', 'diary_entries'],
  [], // the diary announces slot changes
  ['push_subscriptions', 'notification_preferences', 'notification_deliveries'],
  ['visit_message_counters', 'visit_messages'],
  ['visit_invites'],
  [], // seats per participant, not per side
];

const TABLES = TABLES_BY_MIGRATION.flat();

describe('migrations on a fresh database', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  const dataSources: DataSource[] = [];

  async function open(): Promise<DataSource> {
    const dataSource = new DataSource(typeormOptions(scratch.url));
    dataSources.push(dataSource);
    return dataSource.initialize();
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase('televisit_migr');
  });

  afterAll(async () => {
    for (const dataSource of dataSources) {
      if (dataSource.isInitialized) {
        await dataSource.destroy();
      }
    }
    await scratch?.drop();
  });

  async function existingTables(dataSource: DataSource): Promise<string[]> {
    const rows: { table_name: string }[] = await dataSource.query(
      `SELECT table_name FROM information_schema.tables
       WHERE table_schema = 'public' AND table_name = ANY($1)`,
      [TABLES],
    );
    return rows.map((r) => r.table_name).sort();
  }

  async function appliedMigrations(dataSource: DataSource): Promise<string[]> {
    const rows: { name: string }[] = await dataSource.query(
      'SELECT name FROM schema_migrations ORDER BY id',
    );
    return rows.map((r) => r.name);
  }

  const ALL_NAMES = MIGRATIONS.map((m) => new m().name);

  it('has one entry in TABLES_BY_MIGRATION per migration', () => {
    expect(MIGRATIONS).toHaveLength(TABLES_BY_MIGRATION.length);
  });

  it('runs up, all the way down one migration at a time, and up again', async () => {
    const dataSource = await open();
    expect(await existingTables(dataSource)).toEqual([]);

    await runMigrations(dataSource);
    expect(await existingTables(dataSource)).toEqual([...TABLES].sort());
    expect(await appliedMigrations(dataSource)).toEqual(ALL_NAMES);

    for (let applied = MIGRATIONS.length; applied > 0; applied--) {
      await dataSource.undoLastMigration();
      expect(await appliedMigrations(dataSource)).toEqual(ALL_NAMES.slice(0, applied - 1));
      const remaining = TABLES_BY_MIGRATION.slice(0, applied - 1).flat();
      expect(await existingTables(dataSource)).toEqual(remaining.sort());
    }

    expect(await existingTables(dataSource)).toEqual([]);
    const [{ n }]: { n: number }[] = await dataSource.query(
      'SELECT count(*)::int AS n FROM schema_migrations',
    );
    expect(n).toBe(0);
    const functions: unknown[] = await dataSource.query(
      `SELECT 1 FROM pg_proc WHERE proname = 'audit_log_refuse_change'`,
    );
    expect(functions).toHaveLength(0);

    await runMigrations(dataSource);
    expect(await existingTables(dataSource)).toEqual([...TABLES].sort());
    expect(await appliedMigrations(dataSource)).toEqual(ALL_NAMES);
  });

  it('does nothing when run again, and keeps the data', async () => {
    const dataSource = await open();
    await runMigrations(dataSource);
    await dataSource.query(
      `INSERT INTO users (email, password_hash, display_name, role)
       VALUES ('kept@example.test', 'x', 'Kept', 'patient')`,
    );
    const before: unknown[] = await dataSource.query('SELECT * FROM schema_migrations ORDER BY id');

    await runMigrations(dataSource);

    expect(await dataSource.query('SELECT * FROM schema_migrations ORDER BY id')).toEqual(before);
    expect(await existingTables(dataSource)).toEqual([...TABLES].sort());
    const users: unknown[] = await dataSource.query(
      `SELECT 1 FROM users WHERE email = 'kept@example.test'`,
    );
    expect(users).toHaveLength(1);
  });

  it('puts emails stored before in NFC, unless that form is already taken', async () => {
    const dataSource = await open();
    await runMigrations(dataSource);
    // Back to before the migration that normalises emails (and the ones after it).
    const normalising = MIGRATIONS.findIndex((m) => m.name.startsWith('EmailsNormalised'));
    for (let i = MIGRATIONS.length; i > normalising; i -= 1) {
      await dataSource.undoLastMigration();
    }
    const add = (email: string) =>
      dataSource.query(
        `INSERT INTO users (email, password_hash, display_name, role)
         VALUES ($1, 'x', 'Old', 'patient')`,
        [email],
      );
    await add('rene\u0301@example.test');
    await add('zoe\u0308@example.test');
    await add('zo\u00eb@example.test');

    await runMigrations(dataSource);

    const rows: { email: string }[] = await dataSource.query(
      `SELECT email FROM users WHERE email LIKE 'ren%' OR email LIKE 'zo%' ORDER BY email`,
    );
    expect(rows.map((r) => r.email).sort()).toEqual(
      ['ren\u00e9@example.test', 'zoe\u0308@example.test', 'zo\u00eb@example.test'].sort(),
    );
  });

  it('applies each migration once when two instances migrate an empty database at once', async () => {
    const dataSource = await open();
    for (let i = 0; i < MIGRATIONS.length; i++) {
      await dataSource.undoLastMigration();
    }
    expect(await existingTables(dataSource)).toEqual([]);

    const other = await open();
    await expect(Promise.all([runMigrations(dataSource), runMigrations(other)])).resolves.toEqual([
      undefined,
      undefined,
    ]);

    expect(await appliedMigrations(dataSource)).toEqual(ALL_NAMES);
    expect(await existingTables(dataSource)).toEqual([...TABLES].sort());
  });
});
