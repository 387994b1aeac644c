import { IsUUID } from 'class-validator';

export class WatchSlotsDto {
  @IsUUID()
  clinicianId: string;
}
