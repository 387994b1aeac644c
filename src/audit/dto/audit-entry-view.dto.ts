import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { AuditOutcome } from '../audit-entry.entity';

const OUTCOMES = ['success', 'failure', 'denied'] as const satisfies readonly AuditOutcome[];

/** One line of the append-only audit log, as an admin reads it. */
@ApiSchema({ name: 'AuditEntry' })
export class AuditEntryViewDto {
  @ApiProperty({ example: '1042', description: 'A bigint, as a string so it stays exact' })
  id: string;

  @ApiProperty({ type: String, format: 'date-time' })
  at: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null: nobody known' })
  actorId: string | null;

  @ApiProperty({ example: 'appointment.cancel' })
  action: string;

  @ApiProperty({ type: String, nullable: true, example: 'appointment' })
  targetType: string | null;

  @ApiProperty({ type: String, nullable: true })
  targetId: string | null;

  @ApiProperty({ enum: OUTCOMES })
  outcome: AuditOutcome;

  @ApiProperty({ type: String, nullable: true, description: 'The client’s address' })
  ip: string | null;

  @ApiProperty({ type: String, nullable: true })
  requestId: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true })
  details: Record<string, unknown>;
}
