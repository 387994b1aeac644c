import { IsIn, IsObject, IsOptional, IsUUID } from 'class-validator';

export const SIGNAL_TYPES = ['offer', 'answer', 'ice-candidate', 'bye'] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

/** WebRTC negotiation relayed to the other participant; its payload is never stored or logged. */
export class SignalDto {
  @IsUUID()
  appointmentId: string;

  @IsIn(SIGNAL_TYPES)
  type: SignalType;

  /** An SDP description, an ICE candidate, or null for the end of candidates. */
  @IsOptional()
  @IsObject()
  payload?: Record<string, unknown> | null;
}
