import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { IsoDateTime } from '../../appointments/dto/iso-date-time';

export class CreateSlotHoldDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  clinicianId: string;

  @IsoDateTime()
  startsAt: Date;

  @IsoDateTime()
  endsAt: Date;
}

export class SlotHoldDto {
  @ApiProperty({ format: 'uuid', description: 'Name it as holdId when booking' })
  id: string;

  @ApiProperty({ format: 'date-time', description: 'When the hold lapses by itself' })
  expiresAt: string;
}
