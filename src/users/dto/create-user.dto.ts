import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { Role, ROLES } from '../role';
import { NoCompatibilityCharacters, NoControlCharacters, NormalisedEmail } from './identity-fields';

const trimmed = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim() : value;

export class RegisterDto {
  @ApiProperty({ example: 'pat@example.com' })
  @NormalisedEmail()
  @IsEmail()
  @MaxLength(254)
  @NoControlCharacters()
  @NoCompatibilityCharacters()
  email: string;

  @ApiProperty({ minLength: 12, maxLength: 128 })
  @IsString()
  @MinLength(12)
  @MaxLength(128)
  password: string;

  @ApiProperty({ example: 'Pat Doe' })
  @Transform(trimmed)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @NoControlCharacters()
  displayName: string;
}

export class CreateUserDto extends RegisterDto {
  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: Role;
}
