/**
 * Codes the client makes up itself, for failures that never reached the server. Server error
 * frames keep the server's own code (UPPER_SNAKE, from the contract).
 */
export type ClientErrorCode =
  | 'TIMEOUT'
  | 'NOT_CONNECTED'
  | 'DISCONNECTED'
  | 'CLOSED'
  | 'CONNECT_FAILED'
  | 'QUEUE_FULL'
  | 'FRAME_TOO_LARGE'
  | 'ALREADY_JOINED';

export class TelevisitError extends Error {
  constructor(
    readonly code: ClientErrorCode | (string & {}),
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'TelevisitError';
  }
}
