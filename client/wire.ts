import type { ClientFrame } from './protocol.js';
import { TelevisitError } from './televisit-error.js';

/** The server refuses bigger frames by closing the socket; better to refuse them here. */
export const MAX_FRAME_BYTES = 64 * 1024;

/** The members used here, which the browser's WebSocket and the `ws` package's both have. */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: { message?: string }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
}

/** A frame as text, or the error that keeps it from being sent. */
export function encodeFrame(frame: ClientFrame): string | TelevisitError {
  const text = JSON.stringify(frame);
  if (new TextEncoder().encode(text).length > MAX_FRAME_BYTES) {
    return new TelevisitError('FRAME_TOO_LARGE', `${frame.event} frame is over 64 KiB`);
  }
  return text;
}

/**
 * A server frame off the wire, or null for anything that is not one. The protocol is JSON text
 * only; anything else is not ours to interpret. A frame without an object `data` gets `{}`.
 */
export function decodeFrame(raw: unknown): { event: string; data: Record<string, unknown> } | null {
  if (typeof raw !== 'string') {
    return null;
  }
  let frame: unknown;
  try {
    frame = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isRecord(frame) || typeof frame.event !== 'string') {
    return null;
  }
  return { event: frame.event, data: isRecord(frame.data) ? frame.data : {} };
}

/** The socket's URL and upgrade headers, with the token where it was asked for. */
export function upgradeRequest(
  base: string,
  token: string,
  tokenIn: 'query' | 'header',
  extraHeaders: Record<string, string>,
): { url: string; headers: Record<string, string> } {
  const url = new URL(base);
  const headers = { ...extraHeaders };
  if (tokenIn === 'header') {
    headers.Authorization = `Bearer ${token}`;
  } else {
    url.searchParams.set('access_token', token);
  }
  return { url: url.toString(), headers };
}

export function detach(ws: SocketLike): void {
  ws.onopen = null;
  ws.onmessage = null;
  ws.onclose = null;
  // The `ws` package throws on an 'error' event nobody listens to.
  ws.onerror = () => undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
