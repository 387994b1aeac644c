import { IsIn } from 'class-validator';

/** What a user may choose; `in_call` and `offline` are the server's to set. */
export const CHOSEN_STATUSES = ['available', 'away', 'busy'] as const;
export type ChosenStatus = (typeof CHOSEN_STATUSES)[number];

export class SetPresenceDto {
  @IsIn(CHOSEN_STATUSES)
  status: ChosenStatus;
}
