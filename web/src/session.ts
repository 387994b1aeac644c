import { request, type TokenPair, type User } from './api';
import { Store } from './store';

/** What survives a reload of this tab (docs/decisions.md, "The web app": token keeping). */
interface Kept {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms. */
  expiresAt: number;
  user: User;
}

const KEY = 'televisit.session';

function load(): Kept | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Kept) : null;
  } catch {
    return null;
  }
}

/** The signed-in person, or null. */
export const currentUser = new Store<User | null>(load()?.user ?? null);

let kept = load();
let refreshing: Promise<void> | null = null;

function keep(pair: TokenPair, user: User): void {
  kept = {
    accessToken: pair.accessToken,
    refreshToken: pair.refreshToken,
    expiresAt: Date.now() + pair.expiresIn * 1000,
    user,
  };
  sessionStorage.setItem(KEY, JSON.stringify(kept));
  currentUser.set(user);
}

function forget(): void {
  kept = null;
  sessionStorage.removeItem(KEY);
  currentUser.set(null);
}

export async function signIn(email: string, password: string): Promise<void> {
  const pair = await request<TokenPair & { user: User }>('/api/auth/login', {
    method: 'POST',
    body: { email, password },
  });
  keep(pair, pair.user);
}

export async function register(email: string, password: string, displayName: string) {
  await request('/api/auth/register', { method: 'POST', body: { email, password, displayName } });
  await signIn(email, password);
}

export async function signOut(): Promise<void> {
  const refreshToken = kept?.refreshToken;
  forget();
  if (refreshToken) {
    // The server revokes this login and closes its sockets; nothing to do if that fails.
    await request('/api/auth/logout', { method: 'POST', body: { refreshToken } }).catch(() => {});
  }
}

/**
 * A valid access token, refreshed a minute before it expires. One refresh at a time: presenting
 * a refresh token twice revokes the whole login. A refused refresh signs the person out.
 */
export async function accessToken(): Promise<string> {
  if (!kept) {
    throw new Error('Not signed in');
  }
  if (Date.now() < kept.expiresAt - 60_000) {
    return kept.accessToken;
  }
  const { refreshToken, user } = kept;
  refreshing ??= request<TokenPair>('/api/auth/refresh', { method: 'POST', body: { refreshToken } })
    .then((pair) => keep(pair, pair.user ?? user))
    .catch((err: unknown) => {
      if (!(err instanceof Error && 'code' in err && err.code === 'NETWORK')) {
        forget();
      }
      throw err;
    })
    .finally(() => {
      refreshing = null;
    });
  await refreshing;
  return kept.accessToken;
}

/** A REST call as the signed-in person. */
export async function api<T>(path: string, options: Parameters<typeof request>[1] = {}) {
  return request<T>(path, { ...options, token: await accessToken() });
}
