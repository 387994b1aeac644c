import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/request-origin.decorator';
import { parseIfMatchVersion } from '../common/if-match';
import { AppointmentView } from './appointment.entity';
import { AppointmentsErrors } from './appointments.errors';
import { AppointmentsService } from './appointments.service';
import { BookingService } from './booking.service';
import { CancelAppointmentDto } from './dto/cancel-appointment.dto';
import { CreateAppointmentDto } from './dto/create-appointment.dto';
import { ListAppointmentsQuery } from './dto/list-appointments.query';
import { UpdateAppointmentDto } from './dto/update-appointment.dto';

@ApiTags('appointments')
@ApiBearerAuth()
@Controller('appointments')
export class AppointmentsController {
  constructor(
    private readonly booking: BookingService,
    private readonly appointments: AppointmentsService,
  ) {}

  @Post()
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async book(
    @CurrentCaller() caller: Caller,
    @Body() dto: CreateAppointmentDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AppointmentView> {
    const { appointment, replayed } = await this.booking.book(caller, dto, idempotencyKey);
    if (replayed) {
      response.setHeader('Idempotent-Replayed', 'true');
    }
    return withETag(response, appointment);
  }

  @Get()
  list(@CurrentCaller() caller: Caller, @Query() query: ListAppointmentsQuery) {
    const { cursor, limit, ...filter } = query;
    return this.appointments.list(caller, filter, cursor, limit);
  }

  @Get(':id')
  async get(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AppointmentView> {
    return withETag(response, await this.appointments.get(caller, id));
  }

  @Patch(':id')
  @ApiHeader({ name: 'If-Match', required: false, description: 'The version you read' })
  async reschedule(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Body() dto: UpdateAppointmentDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AppointmentView> {
    const headerVersion = parseIfMatchVersion(ifMatch);
    if (ifMatch !== undefined && headerVersion === undefined) {
      throw AppointmentsErrors.badIfMatch();
    }
    const updated = await this.appointments.reschedule(
      caller,
      id,
      dto,
      headerVersion ?? dto.version,
    );
    return withETag(response, updated);
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  cancel(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Body() dto: CancelAppointmentDto,
  ) {
    return this.appointments.cancel(caller, id, dto.reason);
  }

  @Post(':id/no-show')
  @HttpCode(HttpStatus.OK)
  noShow(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.appointments.markNoShow(caller, id);
  }
}

function withETag(response: Response, appointment: AppointmentView): AppointmentView {
  response.setHeader('ETag', `"${appointment.version}"`);
  return appointment;
}
