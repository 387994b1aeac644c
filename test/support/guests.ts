import type { TestUser } from './factories';
import { SignalingClient } from './signaling-client';
import type { Served } from './test-app';
import { expectAck, type TestVisit } from './visits';

/** Someone who redeemed an invite: no account, a token good only for the visit's socket. */
export interface TestGuest {
  userId: string;
  displayName: string;
  role: string;
  token: string;
  inviteId: string;
}

/** The visit's clinician invites someone without an account, who redeems the link's token. */
export async function inviteGuest(
  t: Served,
  visit: TestVisit,
  options: { role?: string; displayName?: string; by?: TestUser } = {},
): Promise<TestGuest> {
  const role = options.role ?? 'interpreter';
  const displayName = options.displayName ?? 'Ines Interpreter';
  const created = await t.api.post(
    `/api/appointments/${visit.appointmentId}/invites`,
    { role, displayName },
    { token: (options.by ?? visit.clinician).token },
  );
  if (created.status !== 201) {
    throw new Error(`invite failed: ${created.status} ${JSON.stringify(created.body)}`);
  }
  const redeemed = await t.api.post('/api/invites/redeem', { token: created.body.token });
  if (redeemed.status !== 200) {
    throw new Error(`redeem failed: ${redeemed.status} ${JSON.stringify(redeemed.body)}`);
  }
  const token = redeemed.body.accessToken as string;
  return {
    userId: subjectOf(token),
    displayName,
    role,
    token,
    inviteId: created.body.id as string,
  };
}

/** A guest's socket, joined to the visit (waiting, until the host admits them). */
export async function guestJoins(t: Served, visit: TestVisit, guest: TestGuest) {
  const socket = await SignalingClient.open(t.baseUrl, { token: guest.token });
  const ack = await expectAck(
    socket.request('session.join', { appointmentId: visit.appointmentId }),
  );
  return { socket, ack };
}

/** The user a token speaks for (its `sub`), read without checking it: the server does. */
export function subjectOf(token: string): string {
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as {
    sub: string;
  };
  return claims.sub;
}
