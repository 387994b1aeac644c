import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { WEEKDAYS, type Weekday } from '../slot-grid';

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const HH_MM_MESSAGE = '$property must be a local time HH:MM, 00:00 to 23:59';

export class LocalIntervalDto {
  @ApiProperty({ example: '09:00', description: 'Local time HH:MM' })
  @Matches(HH_MM, { message: HH_MM_MESSAGE })
  start: string;

  @ApiProperty({
    example: '17:00',
    description: 'Local time HH:MM; at or before start, the interval ends the next day',
  })
  @Matches(HH_MM, { message: HH_MM_MESSAGE })
  end: string;
}

export class WeeklyIntervalDto extends LocalIntervalDto {
  @ApiProperty({ enum: WEEKDAYS })
  @IsIn(WEEKDAYS)
  day: Weekday;
}

export class DateOverrideDto {
  @ApiProperty({ example: '2026-12-24', description: 'A local date in the schedule’s zone' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: '$property must be a date YYYY-MM-DD' })
  date: string;

  @ApiProperty({ type: [LocalIntervalDto], description: 'Empty: a day off' })
  @IsArray()
  @ArrayMaxSize(12)
  @ValidateNested({ each: true })
  @Type(() => LocalIntervalDto)
  intervals: LocalIntervalDto[];
}

/** What a clinician publishes (PUT); the answer adds clinicianId and version. */
export class ScheduleInputDto {
  @ApiProperty({ example: 'Europe/Berlin', description: 'IANA time zone name' })
  @IsString()
  @MaxLength(64)
  timeZone: string;

  @ApiProperty({ type: [WeeklyIntervalDto] })
  @IsArray()
  @ArrayMaxSize(70)
  @ValidateNested({ each: true })
  @Type(() => WeeklyIntervalDto)
  weekly: WeeklyIntervalDto[];

  @ApiProperty({ type: [DateOverrideDto] })
  @IsArray()
  @ArrayMaxSize(400)
  @ValidateNested({ each: true })
  @Type(() => DateOverrideDto)
  overrides: DateOverrideDto[];

  @ApiProperty({ minimum: 1, maximum: 240, description: 'The grid step, in minutes' })
  @IsInt()
  @Min(1)
  @Max(240)
  slotMinutes: number;

  @ApiProperty({ minimum: 0, maximum: 240 })
  @IsInt()
  @Min(0)
  @Max(240)
  bufferBeforeMinutes: number;

  @ApiProperty({ minimum: 0, maximum: 240 })
  @IsInt()
  @Min(0)
  @Max(240)
  bufferAfterMinutes: number;

  @ApiProperty({ minimum: 0, maximum: 525600 })
  @IsInt()
  @Min(0)
  @Max(525600)
  minimumNoticeMinutes: number;

  @ApiProperty({ minimum: 1, maximum: 3660, description: 'How many days ahead patients may book' })
  @IsInt()
  @Min(1)
  @Max(3660)
  bookingHorizonDays: number;
}

export class ScheduleViewDto extends ScheduleInputDto {
  @ApiProperty({ format: 'uuid' })
  clinicianId: string;

  @ApiProperty({ description: 'Send it back as If-Match to replace the schedule' })
  version: number;
}
