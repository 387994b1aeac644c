import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** A fresh access token and the refresh token that replaces the one presented (if any). */
@ApiSchema({ name: 'TokenPair' })
export class TokenPairDto {
  @ApiProperty({ description: 'A JWT; send it as `Authorization: Bearer <accessToken>`' })
  accessToken: string;

  @ApiProperty({ description: 'Works once, for POST /api/auth/refresh or /api/auth/logout' })
  refreshToken: string;

  @ApiProperty({ type: 'integer', example: 900, description: 'Seconds the access token lasts' })
  expiresIn: number;
}
