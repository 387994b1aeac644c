import { sign } from 'jsonwebtoken';
import { DEVELOPMENT_JWT_SECRET } from '../../src/config/app-config';

/** The claims inside an access token (not verified). */
export function claimsOf(token: string): { sub: string; role: string; sid: string; exp: number } {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as {
    sub: string;
    role: string;
    sid: string;
    exp: number;
  };
}

/** The same login's token, correctly signed by the test apps' key, but expired a minute ago. */
export function expiredCopyOf(token: string): string {
  return copyExpiringIn(token, -60);
}

/** The same login's token, correctly signed by the test apps' key, expiring in `seconds`. */
export function copyExpiringIn(token: string, seconds: number): string {
  const { sub, role, sid } = claimsOf(token);
  return sign(
    { sub, role, sid, exp: Math.floor(Date.now() / 1000) + seconds },
    DEVELOPMENT_JWT_SECRET,
    { algorithm: 'HS256', issuer: 'televisit', audience: 'televisit' },
  );
}
