import { ApiExtraModels, ApiProperty, ApiSchema, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsObject,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

@ApiSchema({ name: 'QuietHours' })
export class QuietHoursDto {
  @ApiProperty({ example: '22:00', description: 'local time, HH:mm' })
  @Matches(HH_MM, { message: 'start must be a time HH:mm' })
  start: string;

  @ApiProperty({ example: '07:00', description: 'local time, HH:mm; before start: past midnight' })
  @Matches(HH_MM, { message: 'end must be a time HH:mm' })
  end: string;
}

@ApiSchema({ name: 'NotificationPreferences' })
@ApiExtraModels(QuietHoursDto)
export class NotificationPreferencesDto {
  @ApiProperty({ example: 'Europe/Paris', description: 'IANA time zone' })
  @IsString()
  @MaxLength(64)
  timeZone: string;

  @ApiProperty({
    allOf: [{ $ref: getSchemaPath(QuietHoursDto) }],
    nullable: true,
    description: 'null: none',
  })
  @ValidateIf((dto: NotificationPreferencesDto) => dto.quietHours !== null)
  @IsObject()
  @ValidateNested()
  @Type(() => QuietHoursDto)
  quietHours: QuietHoursDto | null;

  @ApiProperty()
  @IsBoolean()
  email: boolean;

  @ApiProperty()
  @IsBoolean()
  push: boolean;
}
