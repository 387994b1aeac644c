/** Emitted by the visit rooms when a participant's call starts or stops (for `in_call`). */
export const CALL_STATE_CHANGED = 'visit.call-state';
export interface CallStateChangedEvent {
  userId: string;
  appointmentId: string;
  inCall: boolean;
}
