import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

export class RedeemInviteDto {
  @ApiProperty({ description: 'The token the invite was created with (43 characters)' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,128}$/, { message: 'token must be an invite token' })
  token: string;
}
