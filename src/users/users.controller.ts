import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/request-origin.decorator';
import { Roles } from '../auth/roles.decorator';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersQuery } from './dto/list-users.query';
import { UpdateUserDto } from './dto/update-user.dto';
import { toUserView } from './user.entity';
import { UsersService } from './users.service';
import { uuidPipe } from '../common/uuid.pipe';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  async me(@CurrentCaller() caller: Caller) {
    const { id, email, displayName, role } = await this.users.findView(caller.userId);
    return { id, email, displayName, role };
  }

  @Post()
  @Roles('admin')
  create(@Body() dto: CreateUserDto, @CurrentCaller() caller: Caller) {
    return this.users.create(dto, caller);
  }

  @Get()
  @Roles('admin')
  async list(@Query() query: ListUsersQuery) {
    const page = await this.users.list({ role: query.role }, query.cursor, query.limit);
    return { items: page.items.map(toUserView), nextCursor: page.nextCursor };
  }

  @Patch(':id')
  @Roles('admin')
  update(
    @Param('id', uuidPipe('USER_NOT_FOUND')) id: string,
    @Body() dto: UpdateUserDto,
    @CurrentCaller() caller: Caller,
  ) {
    return this.users.setDisabled(id, dto.disabled, caller);
  }
}
