import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/request-origin.decorator';
import { Roles } from '../auth/roles.decorator';
import {
  ApiErrors,
  JSON_BODY,
  LIST_QUERY,
  ROLE_REQUIRED,
  SIGNED_IN,
} from '../common/api-errors.decorator';
import { PageOf } from '../common/dto/page-of';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersQuery } from './dto/list-users.query';
import { MeDto } from './dto/me.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserViewDto } from './dto/user-view.dto';
import { toUserView } from './user.entity';
import { UsersService } from './users.service';
import { uuidPipe } from '../common/uuid.pipe';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @ApiOperation({ summary: 'Who I am' })
  @ApiOkResponse({ description: 'The caller', type: MeDto })
  @ApiErrors(SIGNED_IN)
  async me(@CurrentCaller() caller: Caller) {
    const { id, email, displayName, role } = await this.users.findView(caller.userId);
    return { id, email, displayName, role };
  }

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Create a user (admin)', description: 'Usually a clinician or admin.' })
  @ApiCreatedResponse({ description: 'Created', type: UserViewDto })
  @ApiErrors(SIGNED_IN, ROLE_REQUIRED, JSON_BODY, { 409: ['EMAIL_TAKEN'] })
  create(@Body() dto: CreateUserDto, @CurrentCaller() caller: Caller) {
    return this.users.create(dto, caller);
  }

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'List users (admin)' })
  @ApiOkResponse({ description: 'One page', type: PageOf(UserViewDto, 'UserPage') })
  @ApiErrors(SIGNED_IN, ROLE_REQUIRED, LIST_QUERY)
  async list(@Query() query: ListUsersQuery) {
    const page = await this.users.list({ role: query.role }, query.cursor, query.limit);
    return { items: page.items.map(toUserView), nextCursor: page.nextCursor };
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOperation({
    summary: 'Disable or re-enable a user (admin)',
    description: 'Disabling ends all of the user’s logins at once and closes their sockets.',
  })
  @ApiOkResponse({ description: 'The user as it is now', type: UserViewDto })
  @ApiErrors(SIGNED_IN, ROLE_REQUIRED, JSON_BODY, {
    400: ['CANNOT_DISABLE_SELF'],
    404: ['USER_NOT_FOUND'],
  })
  update(
    @Param('id', uuidPipe('USER_NOT_FOUND')) id: string,
    @Body() dto: UpdateUserDto,
    @CurrentCaller() caller: Caller,
  ) {
    return this.users.setDisabled(id, dto.disabled, caller);
  }
}
