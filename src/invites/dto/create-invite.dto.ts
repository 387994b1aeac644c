import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { NoControlCharacters } from '../../users/dto/identity-fields';
import {
  DEFAULT_INVITE_MINUTES,
  INVITE_ROLES,
  InviteRole,
  MAX_INVITE_MINUTES,
} from '../invite-rules';

const trimmed = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim() : value;

export class CreateInviteDto {
  @ApiProperty({ enum: INVITE_ROLES })
  @IsIn(INVITE_ROLES)
  role: InviteRole;

  @ApiProperty({ example: 'Sam (interpreter)', minLength: 1, maxLength: 100 })
  @Transform(trimmed)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @NoControlCharacters()
  displayName: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'An active clinician who joins with their own login instead of a token',
  })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_INVITE_MINUTES,
    default: DEFAULT_INVITE_MINUTES,
    description: 'How long the invite may be first used; never past the visit’s end',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_INVITE_MINUTES)
  expiresInMinutes?: number;
}
