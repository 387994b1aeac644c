import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Caller, RequestOrigin } from '../auth/caller';
import { decodeCursor, Page, toPage } from '../common/pagination';
import { isPgError, PG_UNIQUE_VIOLATION } from '../database/postgres-errors';
import { sql } from '../database/sql';
import type { CreateUserDto, RegisterDto } from './dto/create-user.dto';
import { normaliseEmail } from './identity-text';
import { PasswordHasher } from './password-hasher';
import { REGISTER_ACTION, RegisterThrottleService } from './register-throttle.service';
import { GUEST_ROLE, Role } from './role';
import { USER_DISABLED, UserDisabledEvent } from './user-events';
import { toUserView, User, UserView } from './user.entity';
import { UsersErrors } from './users.errors';

/** A user's credentials, for login only. */
export interface UserCredentials {
  id: string;
  role: Role;
  passwordHash: string;
  disabled: boolean;
}

@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly registerThrottle: RegisterThrottleService,
    private readonly audit: AuditService,
    private readonly events: EventEmitter2,
  ) {}

  /** Self-registration: always a patient, and a limited number per address. */
  async register(dto: RegisterDto, origin: RequestOrigin): Promise<UserView> {
    const release = await this.registerThrottle.admit(origin);
    try {
      return await this.insert({ ...dto, role: 'patient' }, null, origin);
    } finally {
      release();
    }
  }

  /** An admin creates a clinician or another admin. */
  create(dto: CreateUserDto, caller: Caller): Promise<UserView> {
    return this.insert(dto, caller.userId, caller);
  }

  async findView(id: string): Promise<UserView> {
    const user = await this.repo().findOneBy({ id });
    if (!user || user.role === GUEST_ROLE) {
      throw UsersErrors.notFound();
    }
    return toUserView(user);
  }

  async findCredentials(email: string): Promise<UserCredentials | undefined> {
    const user = await this.repo()
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.email = :email', { email: normaliseEmail(email) })
      .getOne();
    // A guest has neither email nor password; the check only keeps the types honest.
    return user && user.role !== GUEST_ROLE && user.passwordHash !== null
      ? {
          id: user.id,
          role: user.role,
          passwordHash: user.passwordHash,
          disabled: user.disabledAt !== null,
        }
      : undefined;
  }

  /**
   * The display names of those of `wanted` who are active users with the given role, in one
   * query (used to validate a booking's parties).
   */
  async activeNames(
    wanted: { id: string; role: Role }[],
    manager?: EntityManager,
  ): Promise<Map<string, string>> {
    const rows = await sql<{ id: string; display_name: string }>(
      manager ?? this.dataSource.manager,
      `SELECT u.id, u.display_name
         FROM users u JOIN unnest($1::uuid[], $2::text[]) AS w (id, role)
           ON u.id = w.id AND u.role = w.role
        WHERE u.disabled_at IS NULL`,
      [wanted.map((w) => w.id), wanted.map((w) => w.role)],
    );
    return new Map(rows.map((row) => [row.id, row.display_name]));
  }

  /** Given a transaction's manager, reads through it (never a second pool connection). */
  async displayNames(ids: string[], manager?: EntityManager): Promise<Map<string, string>> {
    if (ids.length === 0) {
      return new Map();
    }
    const rows = await (manager ?? this.dataSource.manager)
      .getRepository(User)
      .createQueryBuilder('u')
      .select(['u.id', 'u.displayName'])
      .where('u.id IN (:...ids)', { ids })
      .getMany();
    return new Map(rows.map((u) => [u.id, u.displayName]));
  }

  /** Display names of an appointment's two parties, for notifications about it. */
  async partyNames(
    parties: { patientId: string; clinicianId: string },
    manager?: EntityManager,
  ): Promise<{ patient: string; clinician: string }> {
    const names = await this.displayNames([parties.patientId, parties.clinicianId], manager);
    return {
      patient: names.get(parties.patientId) ?? '',
      clinician: names.get(parties.clinicianId) ?? '',
    };
  }

  /** Ordered by creation, oldest first, so new users never shift earlier pages. */
  async list(
    filter: { role?: Role; activeOnly?: boolean },
    cursor: string | undefined,
    limit: number,
  ): Promise<Page<User>> {
    const query = this.repo()
      .createQueryBuilder('u')
      .orderBy('u.createdAt', 'ASC')
      .addOrderBy('u.id', 'ASC')
      .limit(limit + 1)
      // Guests are not accounts: they come and go with their visit's invite (see decisions.md).
      .where('u.role <> :guest', { guest: GUEST_ROLE });
    if (filter.role) {
      query.andWhere('u.role = :role', { role: filter.role });
    }
    if (filter.activeOnly) {
      query.andWhere('u.disabledAt IS NULL');
    }
    if (cursor) {
      const key = decodeCursor(cursor, { createdAt: 'timestamp', id: 'uuid' });
      query.andWhere('(u.createdAt, u.id) > (:createdAt::timestamptz, :id::uuid)', key);
    }
    // The cursor keeps created_at's full microsecond precision; a JS Date would drop it.
    query.addSelect(
      `to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
      'cursor_at',
    );
    const { entities, raw } = await query.getRawAndEntities<{ cursor_at: string }>();
    const cursorAt = new Map(entities.map((u, i) => [u.id, raw[i].cursor_at]));
    return toPage(entities, limit, (last) => ({
      createdAt: cursorAt.get(last.id) ?? last.createdAt.toISOString(),
      id: last.id,
    }));
  }

  /**
   * Disabling ends every login of the user in the same transaction (the auth module listens),
   * so their tokens stop working at once and stay dead if they are enabled again.
   */
  async setDisabled(id: string, disabled: boolean, caller: Caller): Promise<UserView> {
    if (id === caller.userId && disabled) {
      throw UsersErrors.cannotDisableSelf();
    }
    const view = await this.dataSource.transaction(async (manager) => {
      const rows = await sql<{ id: string }>(
        manager,
        `UPDATE users SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END,
                updated_at = now()
          WHERE id = $1 AND role <> $3 RETURNING id`,
        [id, disabled, GUEST_ROLE],
      );
      if (rows.length === 0) {
        throw UsersErrors.notFound();
      }
      if (disabled) {
        const event: UserDisabledEvent = { userId: id, manager };
        await this.events.emitAsync(USER_DISABLED, event);
      }
      await this.audit.record(
        {
          actorId: caller.userId,
          action: disabled ? 'user.disable' : 'user.enable',
          outcome: 'success',
          target: { type: 'user', id },
          origin: caller,
        },
        manager,
      );
      return toUserView(await manager.getRepository(User).findOneByOrFail({ id }));
    });
    return view;
  }

  /**
   * The user a redeemed visit invite creates, inside the redeeming transaction: no email, no
   * password, only a name to be shown in the visit.
   */
  async createGuest(displayName: string, manager: EntityManager): Promise<string> {
    const [{ id }] = await sql<{ id: string }>(
      manager,
      `INSERT INTO users (display_name, role) VALUES ($1, $2) RETURNING id`,
      [displayName, GUEST_ROLE],
    );
    return id;
  }

  /** Creates the first admin from configuration; does nothing if the email is already taken. */
  async ensureAdmin(email: string, password: string): Promise<boolean> {
    const hash = await this.hasher.hash(password);
    const rows = await sql<{ id: string }>(
      this.dataSource.manager,
      `INSERT INTO users (email, password_hash, display_name, role)
       VALUES ($1, $2, 'Administrator', 'admin') ON CONFLICT (email) DO NOTHING RETURNING id`,
      [normaliseEmail(email), hash],
    );
    return rows.length > 0;
  }

  private async insert(
    dto: CreateUserDto,
    actorId: string | null,
    origin: RequestOrigin,
  ): Promise<UserView> {
    const passwordHash = await this.hasher.hash(dto.password);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const repo = manager.getRepository(User);
        const { identifiers } = await repo.insert({
          email: dto.email,
          passwordHash,
          displayName: dto.displayName,
          role: dto.role,
        });
        const id = identifiers[0].id as string;
        await this.audit.record(
          {
            actorId: actorId ?? id,
            action: actorId ? 'user.create' : REGISTER_ACTION,
            outcome: 'success',
            target: { type: 'user', id },
            details: { role: dto.role },
            origin,
          },
          manager,
        );
        return toUserView(await repo.findOneByOrFail({ id }));
      });
    } catch (error) {
      if (isPgError(error, PG_UNIQUE_VIOLATION, 'users_email_key')) {
        if (!actorId) {
          // Counted by the registration throttle: the attempt cost a hash all the same.
          await this.audit.record({
            actorId: null,
            action: REGISTER_ACTION,
            outcome: 'failure',
            details: { reason: 'email_taken' },
            origin,
          });
        }
        throw UsersErrors.emailTaken();
      }
      throw error;
    }
  }

  private repo() {
    return this.dataSource.getRepository(User);
  }
}
