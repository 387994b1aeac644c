import { createHmac } from 'node:crypto';

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface IceSettings {
  stunUrls: string[];
  turnUrls: string[];
  turnSecret: string | undefined;
}

/**
 * Ephemeral TURN credentials in the TURN REST API scheme that coturn's `use-auth-secret`
 * checks: the username is `expiry:userId` (expiry in Unix seconds) and the password is the
 * base64 HMAC-SHA1 of that username under the shared secret. No per-user state on the TURN side.
 */
export function turnCredentials(
  secret: string,
  userId: string,
  expiresAt: Date,
): { username: string; credential: string } {
  const username = `${Math.floor(expiresAt.getTime() / 1000)}:${userId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

/** The ICE servers handed to one participant, TURN credentials valid until `expiresAt`. */
export function iceServersFor(settings: IceSettings, userId: string, expiresAt: Date): IceServer[] {
  const servers: IceServer[] = [];
  if (settings.stunUrls.length > 0) {
    servers.push({ urls: settings.stunUrls });
  }
  if (settings.turnUrls.length > 0 && settings.turnSecret) {
    servers.push({
      urls: settings.turnUrls,
      ...turnCredentials(settings.turnSecret, userId, expiresAt),
    });
  }
  return servers;
}
