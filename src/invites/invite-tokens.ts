import { createHash, randomBytes } from 'node:crypto';

/** A new invite token: 32 random bytes, base64url (43 characters). Only its hash is stored. */
export function newInviteToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashInviteToken(token) };
}

/** SHA-256, hex: what `visit_invites.token_hash` holds. */
export function hashInviteToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
