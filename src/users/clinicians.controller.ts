import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, LIST_QUERY, SIGNED_IN } from '../common/api-errors.decorator';
import { PageOf } from '../common/dto/page-of';
import { PageQueryDto } from '../common/pagination';
import { ClinicianEntryDto } from './dto/clinician-entry.dto';
import { UsersService } from './users.service';

/** The directory patients book from: active clinicians, id and name only. */
@ApiTags('users')
@ApiBearerAuth()
@Controller('clinicians')
export class CliniciansController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: 'List the active clinicians, to book with' })
  @ApiOkResponse({ description: 'One page', type: PageOf(ClinicianEntryDto, 'ClinicianPage') })
  @ApiErrors(SIGNED_IN, LIST_QUERY)
  async list(@Query() query: PageQueryDto) {
    const page = await this.users.list(
      { role: 'clinician', activeOnly: true },
      query.cursor,
      query.limit,
    );
    return {
      items: page.items.map(({ id, displayName }) => ({ id, displayName })),
      nextCursor: page.nextCursor,
    };
  }
}
