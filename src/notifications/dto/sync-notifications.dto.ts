import { IsOptional, IsUUID } from 'class-validator';

/** `notifications.sync`: catch up after `after`, the id of the last notification the client has. */
export class SyncNotificationsDto {
  @IsOptional()
  @IsUUID()
  after?: string;
}
