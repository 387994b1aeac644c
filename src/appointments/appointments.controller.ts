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
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/request-origin.decorator';
import { ApiErrors, JSON_BODY, LIST_QUERY, SIGNED_IN } from '../common/api-errors.decorator';
import { PageOf } from '../common/dto/page-of';
import { parseIfMatchVersion } from '../common/if-match';
import { AppointmentView } from './appointment.entity';
import { AppointmentsErrors } from './appointments.errors';
import { AppointmentsService } from './appointments.service';
import { AppointmentListItemDto, AppointmentViewDto } from './dto/appointment-view.dto';
import { BookingService } from './booking.service';
import { CancelAppointmentDto } from './dto/cancel-appointment.dto';
import { CreateAppointmentDto } from './dto/create-appointment.dto';
import { ListAppointmentsQuery } from './dto/list-appointments.query';
import { UpdateAppointmentDto } from './dto/update-appointment.dto';

const ETAG = {
  ETag: {
    description: 'The appointment’s version, like "3": send it back as If-Match',
    schema: { type: 'string' },
  },
};
const REPLAYED = {
  'Idempotent-Replayed': {
    description:
      '`true` when this answers a retry of an earlier request with the same Idempotency-Key',
    schema: { type: 'string', enum: ['true'] },
  },
};
// docs/decisions.md: "Cancel and no-show do not need a version".
const STATUS_CHANGE_NEEDS_NO_VERSION =
  'Takes no version: If-Match is not needed and is ignored, since a status change is allowed ' +
  'from the current status or not, decided under a row lock.';

@ApiTags('appointments')
@ApiBearerAuth()
@Controller('appointments')
export class AppointmentsController {
  constructor(
    private readonly booking: BookingService,
    private readonly appointments: AppointmentsService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Book an appointment',
    description:
      'A patient books for themselves; a clinician in their own diary, naming the patient; ' +
      'an admin for anyone. Times are ISO-8601 with an offset, in the future, 5 minutes to 4 ' +
      'hours long. A patient books only a slot GET /api/clinicians/{id}/slots offers (409 ' +
      'SLOT_UNAVAILABLE otherwise); staff may book outside the hours, never overlapping.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      '1–255 visible ASCII characters. A retry with the same key and body answers 201 with ' +
      'the appointment as it is now (and Idempotent-Replayed: true) instead of booking twice.',
  })
  @ApiCreatedResponse({
    description: 'Booked (or, for a retry with the same Idempotency-Key, booked before)',
    type: AppointmentViewDto,
    headers: { ...ETAG, ...REPLAYED },
  })
  @ApiErrors(SIGNED_IN, JSON_BODY, {
    400: [
      'APPOINTMENT_IN_PAST',
      'INVALID_TIME_RANGE',
      'PATIENT_REQUIRED',
      'CLINICIAN_NOT_FOUND',
      'PATIENT_NOT_FOUND',
      'INVALID_IDEMPOTENCY_KEY',
    ],
    403: ['BOOKING_NOT_ALLOWED'],
    404: ['HOLD_NOT_FOUND'],
    409: ['APPOINTMENT_CONFLICT', 'SLOT_UNAVAILABLE'],
    422: ['IDEMPOTENCY_KEY_REUSED'],
  })
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
  @ApiOperation({
    summary: 'List my appointments',
    description: 'Ordered by startsAt. An admin sees everyone’s.',
  })
  @ApiOkResponse({
    description: 'One page',
    type: PageOf(AppointmentListItemDto, 'AppointmentPage'),
  })
  @ApiErrors(SIGNED_IN, LIST_QUERY)
  list(@CurrentCaller() caller: Caller, @Query() query: ListAppointmentsQuery) {
    const { cursor, limit, ...filter } = query;
    return this.appointments.list(caller, filter, cursor, limit);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Get an appointment',
    description: 'Someone else’s appointment is 404, as if it did not exist.',
  })
  @ApiOkResponse({ description: 'The appointment', type: AppointmentViewDto, headers: ETAG })
  @ApiErrors(SIGNED_IN, { 404: ['APPOINTMENT_NOT_FOUND'] })
  async get(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AppointmentView> {
    return withETag(response, await this.appointments.get(caller, id));
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Reschedule an appointment, or change its reason',
    description:
      'Needs the version you read, as If-Match or `version` in the body (428 without it, 409 ' +
      'VERSION_CONFLICT if it changed since). Changing only `reason` does not re-check the times.',
  })
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description: 'The version you read (the ETag), like "3"; or send `version` in the body',
  })
  @ApiOkResponse({ description: 'Changed', type: AppointmentViewDto, headers: ETAG })
  @ApiErrors(SIGNED_IN, JSON_BODY, {
    400: ['INVALID_IF_MATCH', 'NOTHING_TO_CHANGE', 'APPOINTMENT_IN_PAST', 'INVALID_TIME_RANGE'],
    404: ['APPOINTMENT_NOT_FOUND'],
    409: ['VERSION_CONFLICT', 'INVALID_TRANSITION', 'APPOINTMENT_CONFLICT', 'SLOT_UNAVAILABLE'],
    428: ['VERSION_REQUIRED'],
  })
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
  @ApiOperation({
    summary: 'Cancel an appointment',
    description: STATUS_CHANGE_NEEDS_NO_VERSION,
  })
  @ApiBody({ type: CancelAppointmentDto, required: false })
  @ApiOkResponse({ description: 'Cancelled', type: AppointmentViewDto })
  @ApiErrors(SIGNED_IN, JSON_BODY, {
    404: ['APPOINTMENT_NOT_FOUND'],
    409: ['INVALID_TRANSITION'],
  })
  cancel(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Body() dto: CancelAppointmentDto,
  ) {
    return this.appointments.cancel(caller, id, dto.reason);
  }

  @Post(':id/no-show')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Mark that the patient did not come (clinician or admin)',
    description: `Only once the start time has passed. ${STATUS_CHANGE_NEEDS_NO_VERSION}`,
  })
  @ApiOkResponse({ description: 'Marked no-show', type: AppointmentViewDto })
  @ApiErrors(SIGNED_IN, {
    403: ['FORBIDDEN_ROLE'],
    404: ['APPOINTMENT_NOT_FOUND'],
    409: ['INVALID_TRANSITION', 'APPOINTMENT_NOT_STARTED'],
  })
  noShow(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return this.appointments.markNoShow(caller, id);
  }
}

function withETag(response: Response, appointment: AppointmentView): AppointmentView {
  response.setHeader('ETag', `"${appointment.version}"`);
  return appointment;
}
