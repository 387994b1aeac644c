import { ApiProperty } from '@nestjs/swagger';

export class SlotDto {
  @ApiProperty({ format: 'date-time' })
  startsAt: string;

  @ApiProperty({ format: 'date-time' })
  endsAt: string;
}

export class SlotPageDto {
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'Europe/Berlin',
    description: 'The schedule’s time zone; null when the clinician has none (and no slots)',
  })
  timeZone: string;

  @ApiProperty({ type: [SlotDto], description: 'Free slots, in UTC, ordered' })
  items: SlotDto[];
}

export class OutsideHoursVisitDto {
  @ApiProperty({ format: 'uuid' })
  appointmentId: string;

  @ApiProperty({ format: 'uuid' })
  patientId: string;

  @ApiProperty({ format: 'date-time' })
  startsAt: string;

  @ApiProperty({ format: 'date-time' })
  endsAt: string;
}

export class OutsideHoursPageDto {
  @ApiProperty({ type: [OutsideHoursVisitDto], description: 'By start time' })
  items: OutsideHoursVisitDto[];
}
