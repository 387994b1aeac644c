import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** The contract's error body, the same for every error on every route. */
@ApiSchema({ name: 'ErrorBody' })
export class ErrorBodyDto {
  @ApiProperty({ type: 'integer', example: 409, description: 'The HTTP status, repeated' })
  statusCode: number;

  @ApiProperty({
    example: 'APPOINTMENT_CONFLICT',
    description: 'Stable and machine-readable (UPPER_SNAKE); act on this, not on the message',
  })
  code: string;

  @ApiProperty({ example: 'The clinician already has an appointment at that time' })
  message: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { with: 'clinician' },
    description:
      'More about this code: `fields` (each bad field and what is wrong with it) for ' +
      'VALIDATION_FAILED, `currentVersion` for VERSION_CONFLICT, `retryAfterSeconds` for 429 and 503',
  })
  details: Record<string, unknown>;

  @ApiProperty({
    example: '6f1d2c1e-3f5a-4b8e-9c1d-2a3b4c5d6e7f',
    description: 'Also sent as the X-Request-Id header; quote it when reporting a problem',
  })
  requestId: string;
}
