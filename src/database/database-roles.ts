import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { isPgError, PG_UNIQUE_VIOLATION } from './postgres-errors';

const PG_DUPLICATE_OBJECT = '42710';

/**
 * The role the service serves as where this repository creates it: on the embedded server and
 * on the test runs' server. The password is for servers that ask for one; both only listen on
 * this machine (docker-compose.yml has its own, marked development-only).
 */
export const LOCAL_SERVING_ROLE = { user: 'televisit_app', password: 'televisit-embedded-app' };

/** The user a postgres:// URL logs in as ('' when it names none). */
export function userOf(url: string): string {
  return decodeURIComponent(new URL(url).username);
}

/** The same server and database as `url`, logged in as `user` with `password`. */
export function asUser(url: string, user: string, password: string): string {
  const next = new URL(url);
  next.username = encodeURIComponent(user);
  next.password = encodeURIComponent(password);
  return next.toString();
}

/**
 * Creates the login role `user` on the server at `ownerUrl` unless it exists: a plain role,
 * not a superuser, unable to create roles or databases, owning nothing. Roles are the whole
 * server's, and test runs sharing one server create it at the same time: losing that race is
 * fine. An existing role is left as it is, since another run may be logged in as it.
 */
export async function ensureLoginRole(
  ownerUrl: string,
  role: { user: string; password: string },
): Promise<void> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role.user]);
    if (found.rowCount === 0) {
      await client
        .query(
          `CREATE ROLE ${client.escapeIdentifier(role.user)} LOGIN PASSWORD ${client.escapeLiteral(role.password)}`,
        )
        .catch((error: unknown) => {
          if (!isPgError(error, PG_DUPLICATE_OBJECT) && !isPgError(error, PG_UNIQUE_VIOLATION)) {
            throw error;
          }
        });
    }
  } finally {
    await client.end();
  }
}

/**
 * Why the role `dataSource` is logged in as could change or remove audit log rows, if it
 * could: a superuser or the table's owner can switch the triggers off, and UPDATE, DELETE or
 * TRUNCATE privileges are one step from that. Undefined when the log is append-only for it.
 */
export async function auditLogExposure(dataSource: DataSource): Promise<string | undefined> {
  const [role] = await dataSource.query<
    { superuser: boolean; owner: boolean; mayChange: boolean }[]
  >(
    `SELECT r.rolsuper AS superuser,
            pg_has_role(current_user, c.relowner, 'MEMBER') AS owner,
            has_table_privilege(current_user, c.oid, 'UPDATE, DELETE, TRUNCATE') AS "mayChange"
       FROM pg_roles r, pg_class c
      WHERE r.rolname = current_user AND c.oid = 'audit_log'::regclass`,
  );
  if (role.superuser) {
    return 'it is a superuser';
  }
  if (role.owner) {
    return 'it owns audit_log (or is a member of the role that does)';
  }
  return role.mayChange ? 'it may UPDATE, DELETE or TRUNCATE audit_log' : undefined;
}
