import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import {
  NoCompatibilityCharacters,
  NoControlCharacters,
  NormalisedEmail,
} from '../../users/dto/identity-fields';

export class LoginDto {
  @ApiProperty({ example: 'pat@example.com' })
  @NormalisedEmail()
  @IsString()
  @MinLength(3)
  @MaxLength(254)
  @NoControlCharacters()
  @NoCompatibilityCharacters()
  email: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  password: string;
}
