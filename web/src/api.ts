import { TelevisitError } from '../../client/televisit-error';

export type Role = 'patient' | 'clinician' | 'admin';

export interface User {
  id: string;
  email: string;
  displayName: string;
  role: Role;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user?: User;
}

export type AppointmentStatus = 'scheduled' | 'in_progress' | 'completed' | 'cancelled' | 'no_show';

export interface Appointment {
  id: string;
  patientId: string;
  clinicianId: string;
  patientName: string;
  clinicianName: string;
  startsAt: string;
  endsAt: string;
  status: AppointmentStatus;
  reason: string | null;
  version: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Clinician {
  id: string;
  displayName: string;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
}

/**
 * One REST call to this origin. A refusal becomes a TelevisitError carrying the server's code
 * and details (the same errors the socket gives), so screens word both alike.
 */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (options.token) {
    headers.Authorization = `Bearer ${options.token}`;
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch (err) {
    throw new TelevisitError('NETWORK', 'The request did not reach the service', err);
  }
  const data: unknown = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const body = (data ?? {}) as { code?: string; message?: string; details?: unknown };
    throw new TelevisitError(
      body.code ?? `HTTP_${response.status}`,
      body.message ?? response.statusText,
      body.details,
    );
  }
  return data as T;
}

export type GuestRole = 'interpreter' | 'caregiver' | 'clinician';

/** An invite into a visit (PRODUCT §9), as `GET /api/appointments/:id/invites` lists it. */
export interface Invite {
  id: string;
  role: GuestRole;
  displayName: string;
  userId: string | null;
  expiresAt: string;
  createdAt: string;
  redeemedAt: string | null;
  revokedAt: string | null;
  status: string;
}

/** `POST /api/appointments/:id/invites` answers the token once; only a hash is kept. */
export interface CreatedInvite {
  id: string;
  role: GuestRole;
  displayName: string;
  expiresAt: string;
  token: string;
}

/** `POST /api/invites/redeem`: a token good only for that visit's socket. */
export interface GuestPass {
  accessToken: string;
  expiresAt: string;
  appointmentId: string;
}
