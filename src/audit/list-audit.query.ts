import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PageQueryDto } from '../common/pagination';

export class ListAuditQuery extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only entries by this user' })
  @IsOptional()
  @IsUUID()
  actorId?: string;

  @ApiPropertyOptional({ description: 'Only entries about this target (an appointment id, …)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  targetId?: string;
}
