import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { Appointment } from '../appointments/appointment.entity';
import type { AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/caller';
import type { SessionsService } from '../auth/sessions.service';
import type { Clock } from '../common/clock';
import type { UsersService } from '../users/users.service';
import type { InviteGate } from './invite-gate';
import type { InviteRow, InvitesRepository } from './invites.repository';
import { InvitesService } from './invites.service';

const VISIT = '3f1c1f0e-6a55-4a0e-9d0a-2a7a0f6a1b11';
const OTHER_VISIT = '7d2e4c1a-1b2c-4d5e-8f90-123456789abc';
const NOW = new Date('2030-01-07T09:00:00.000Z');
const MANAGER = {} as EntityManager;

/** A mock whose every method fails unless the test gave it an answer. */
function strict<T extends object>(answers: Partial<Record<keyof T, jest.Mock>> = {}): T {
  return new Proxy(answers, {
    get: (target, name: string) =>
      (target as Record<string, jest.Mock>)[name] ??
      (() => {
        throw new Error(`unexpected call: ${name}`);
      }),
  }) as unknown as T;
}

function row(over: Partial<InviteRow> = {}): InviteRow {
  return {
    id: 'invite-1',
    appointmentId: VISIT,
    role: 'interpreter',
    displayName: 'Sam',
    userId: null,
    guestUserId: 'guest-1',
    createdAt: NOW,
    expiresAt: new Date(NOW.getTime() + 60_000),
    redeemedAt: NOW,
    revokedAt: null,
    ...over,
  };
}

const clinician: Caller = {
  userId: 'clinician-1',
  role: 'clinician',
  sessionId: 's',
  ip: null,
  requestId: null,
};

function service(parts: {
  invites?: Partial<Record<keyof InvitesRepository, jest.Mock>>;
  sessions?: Partial<Record<keyof SessionsService, jest.Mock>>;
  audit?: Partial<Record<keyof AuditService, jest.Mock>>;
}) {
  const dataSource = strict<DataSource>({
    transaction: jest.fn((work: (m: EntityManager) => Promise<unknown>) => work(MANAGER)),
  });
  const gate = strict<InviteGate>({
    audited: jest.fn((_c, _id, _action, work: () => Promise<unknown>) => work()),
    visit: jest.fn(() => Promise.resolve({ id: VISIT } as Appointment)),
  });
  return new InvitesService(
    dataSource,
    strict<InvitesRepository>(parts.invites),
    gate,
    strict<UsersService>(),
    strict<SessionsService>(parts.sessions),
    strict<AuditService>(parts.audit),
    strict<Clock>({ now: jest.fn(() => NOW) }),
  );
}

describe('InvitesService.guestSeat', () => {
  it('a guest: only their own redeemed invite, only in their visit', async () => {
    const guestsInvite = jest.fn(() => Promise.resolve(row()));
    const invites = service({ invites: { guestsInvite } });
    const guest: Caller = { ...clinician, userId: 'guest-1', role: 'guest', visitId: VISIT };
    await expect(invites.guestSeat(guest, VISIT.toUpperCase())).resolves.toEqual({
      inviteId: 'invite-1',
      role: 'interpreter',
      displayName: 'Sam',
    });
    expect(guestsInvite).toHaveBeenCalledWith(VISIT, 'guest-1');
    await expect(invites.guestSeat(guest, OTHER_VISIT)).resolves.toBeUndefined();
    expect(guestsInvite).toHaveBeenCalledTimes(1);
  });

  it('an account: its invite, used at the service clock’s now', async () => {
    const useAccountInvite = jest.fn(() => Promise.resolve(undefined));
    const invites = service({ invites: { useAccountInvite } });
    await expect(invites.guestSeat(clinician, VISIT)).resolves.toBeUndefined();
    expect(useAccountInvite).toHaveBeenCalledWith(VISIT, 'clinician-1', NOW);
  });

  it('an id that is not a UUID names no visit (no query)', async () => {
    await expect(service({}).guestSeat(clinician, 'nope')).resolves.toBeUndefined();
  });
});

describe('InvitesService.revoke', () => {
  it('audits, tells every listener after the commit, then ends the guest’s login', async () => {
    const revokeGuests = jest.fn(() => Promise.resolve());
    const record = jest.fn(() => Promise.resolve());
    const invites = service({
      invites: { revoke: jest.fn(() => Promise.resolve(row())) },
      sessions: { revokeGuests },
      audit: { record },
    });
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const heard: string[] = [];
    invites.onRevoked(() => Promise.reject(new Error('a failing listener')));
    invites.onRevoked((appointmentId, userId) => {
      expect(revokeGuests).not.toHaveBeenCalled();
      heard.push(`${appointmentId}/${userId}`);
      return Promise.resolve();
    });
    await invites.revoke(clinician, VISIT, 'invite-1');
    expect(revokeGuests).toHaveBeenCalledWith(VISIT, 'invite_revoked', MANAGER, 'guest-1');
    expect(record).toHaveBeenCalledWith(
      expect.objectContaining({
        action: 'invite.revoked',
        target: { type: 'invite', id: 'invite-1' },
        details: { appointmentId: VISIT, role: 'interpreter' },
      }),
      MANAGER,
    );
    expect(heard).toEqual([`${VISIT}/guest-1`]);
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });

  it('an account’s invite: no guest login to end, the account is told', async () => {
    const invites = service({
      invites: {
        revoke: jest.fn(() => Promise.resolve(row({ userId: 'dr-2', guestUserId: null }))),
      },
      audit: { record: jest.fn(() => Promise.resolve()) },
    });
    const heard: string[] = [];
    invites.onRevoked((_appointmentId, userId) => {
      heard.push(userId);
      return Promise.resolve();
    });
    await invites.revoke(clinician, VISIT, 'invite-1');
    expect(heard).toEqual(['dr-2']);
  });

  it('revoking again changes nothing and tells no one', async () => {
    const invites = service({
      invites: { revoke: jest.fn(() => Promise.resolve(row({ revokedAt: NOW }))) },
    });
    const listener = jest.fn(() => Promise.resolve());
    invites.onRevoked(listener);
    await invites.revoke(clinician, VISIT, 'invite-1');
    expect(listener).not.toHaveBeenCalled();
  });

  it('an unknown invite is INVITE_NOT_FOUND', async () => {
    const invites = service({ invites: { revoke: jest.fn(() => Promise.resolve(undefined)) } });
    await expect(invites.revoke(clinician, VISIT, 'nope')).rejects.toMatchObject({
      code: 'INVITE_NOT_FOUND',
    });
  });
});
