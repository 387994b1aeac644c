import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { ApiErrors, LIST_QUERY, ROLE_REQUIRED, SIGNED_IN } from '../common/api-errors.decorator';
import { PageOf } from '../common/dto/page-of';
import { PageQueryDto } from '../common/pagination';
import { DeliveryFailureDto } from './dto/delivery-failure.dto';
import { DeliveryFailuresService } from './delivery-failures.service';

@ApiTags('outreach')
@ApiBearerAuth()
@Controller('delivery-failures')
export class DeliveryFailuresController {
  constructor(private readonly failures: DeliveryFailuresService) {}

  @Get()
  @Roles('admin')
  @ApiOperation({
    summary: 'Push and email deliveries that failed (admin)',
    description: 'Newest first, with the address each went to: to find a mistyped email.',
  })
  @ApiOkResponse({
    description: 'One page',
    type: PageOf(DeliveryFailureDto, 'DeliveryFailurePage'),
  })
  @ApiErrors(SIGNED_IN, ROLE_REQUIRED, LIST_QUERY)
  list(@Query() query: PageQueryDto) {
    return this.failures.list(query.cursor, query.limit);
  }
}
