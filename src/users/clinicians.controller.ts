import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { PageQueryDto } from '../common/pagination';
import { UsersService } from './users.service';

/** The directory patients book from: active clinicians, id and name only. */
@ApiTags('users')
@ApiBearerAuth()
@Controller('clinicians')
export class CliniciansController {
  constructor(private readonly users: UsersService) {}

  @Get()
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
