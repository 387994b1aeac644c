import { request, type GuestPass } from './api';
import { Store } from './store';

/**
 * A guest's pass into one visit (PRODUCT §9): no account, no refresh token, no REST; the token
 * opens that visit's socket until the visit ends. Kept in sessionStorage like a login, so a
 * reload keeps the guest in the visit (the invite itself is single use).
 */
export interface Guest extends GuestPass {
  /** The token's subject: how the guest is told apart in the visit. */
  userId: string;
}

const KEY = 'televisit.guest';

function load(): Guest | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    const guest = raw ? (JSON.parse(raw) as Guest) : null;
    return guest && Date.parse(guest.expiresAt) > Date.now() ? guest : null;
  } catch {
    return null;
  }
}

export const currentGuest = new Store<Guest | null>(load());

/** The `sub` of a JWT, read without checking it (the server does); '' if it has none. */
export function subjectOf(token: string): string {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(payload)) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : '';
  } catch {
    return '';
  }
}

export async function redeemInvite(token: string): Promise<Guest> {
  const pass = await request<GuestPass>('/api/invites/redeem', {
    method: 'POST',
    body: { token },
  });
  const guest = { ...pass, userId: subjectOf(pass.accessToken) };
  sessionStorage.setItem(KEY, JSON.stringify(guest));
  currentGuest.set(guest);
  return guest;
}

export function guestToken(): string {
  const guest = currentGuest.value;
  if (!guest || Date.parse(guest.expiresAt) <= Date.now()) {
    throw new Error('The guest pass has expired');
  }
  return guest.accessToken;
}

export function forgetGuest(): void {
  sessionStorage.removeItem(KEY);
  currentGuest.set(null);
}

/** The link a guest opens, under the app's own hash routes. */
export function inviteLink(token: string): string {
  return `${location.origin}/app/#/invite/${encodeURIComponent(token)}`;
}
