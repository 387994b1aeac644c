import { sign } from 'jsonwebtoken';
import { DEVELOPMENT_JWT_SECRET } from '../../src/config/app-config';

/** The claims inside an access token (not verified). */
export function claimsOf(token: string): { sub: string; role: string; sid: string } {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as {
    sub: string;
    role: string;
    sid: string;
  };
}

/** The same login's token, correctly signed by the test apps' key, but expired a minute ago. */
export function expiredCopyOf(token: string): string {
  const { sub, role, sid } = claimsOf(token);
  return sign({ sub, role, sid, exp: Math.floor(Date.now() / 1000) - 60 }, DEVELOPMENT_JWT_SECRET, {
    algorithm: 'HS256',
    issuer: 'televisit',
    audience: 'televisit',
  });
}
