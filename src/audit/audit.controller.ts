import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { ApiErrors, LIST_QUERY, ROLE_REQUIRED, SIGNED_IN } from '../common/api-errors.decorator';
import { PageOf } from '../common/dto/page-of';
import { AuditService } from './audit.service';
import { AuditEntryViewDto } from './dto/audit-entry-view.dto';
import { ListAuditQuery } from './list-audit.query';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'Read the audit log (admin)', description: 'Newest first.' })
  @ApiOkResponse({ description: 'One page', type: PageOf(AuditEntryViewDto, 'AuditEntryPage') })
  @ApiErrors(SIGNED_IN, ROLE_REQUIRED, LIST_QUERY)
  list(@Query() query: ListAuditQuery) {
    const { cursor, limit, ...filter } = query;
    return this.audit.list(filter, cursor, limit);
  }
}
