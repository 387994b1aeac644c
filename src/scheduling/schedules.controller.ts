import { Body, Controller, Get, Headers, Param, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/request-origin.decorator';
import { ApiErrors, JSON_BODY, SIGNED_IN } from '../common/api-errors.decorator';
import { parseIfMatchVersion } from '../common/if-match';
import { uuidPipe } from '../common/uuid.pipe';
import { AvailabilityService } from './availability.service';
import { ScheduleInputDto, ScheduleViewDto } from './dto/schedule.dto';
import { OutsideHoursPageDto, SlotPageDto } from './dto/slot-page.dto';
import { SlotsQuery, WindowQuery } from './dto/slots.query';
import { assertWindow } from './availability.service';
import type { StoredSchedule } from './schedules.repository';
import { SchedulesService } from './schedules.service';
import { SchedulingErrors } from './scheduling.errors';

const CLINICIAN_ID = uuidPipe('CLINICIAN_NOT_FOUND');
const ETAG = {
  ETag: { description: 'The schedule’s version, like "3"', schema: { type: 'string' } },
};

/** A clinician's published hours and the free slots they leave. */
@ApiTags('scheduling')
@ApiBearerAuth()
@Controller('clinicians/:id')
export class SchedulesController {
  constructor(
    private readonly schedules: SchedulesService,
    private readonly availability: AvailabilityService,
  ) {}

  @Get('schedule')
  @ApiOperation({ summary: 'Get a clinician’s schedule' })
  @ApiOkResponse({ description: 'The schedule', type: ScheduleViewDto, headers: ETAG })
  @ApiErrors(SIGNED_IN, { 404: ['CLINICIAN_NOT_FOUND', 'SCHEDULE_NOT_FOUND'] })
  async get(
    @Param('id', CLINICIAN_ID) id: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StoredSchedule> {
    return withETag(response, await this.schedules.get(id));
  }

  @Put('schedule')
  @ApiOperation({
    summary: 'Publish or replace a clinician’s schedule (that clinician, or an admin)',
    description:
      'The first schedule needs no If-Match; replacing one needs the version read. Booked ' +
      'visits are never moved or cancelled by a change.',
  })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The version you read, like "3"' })
  @ApiOkResponse({ description: 'Saved', type: ScheduleViewDto, headers: ETAG })
  @ApiErrors(SIGNED_IN, JSON_BODY, {
    400: ['INVALID_IF_MATCH'],
    403: ['FORBIDDEN_ROLE'],
    404: ['CLINICIAN_NOT_FOUND'],
    409: ['VERSION_CONFLICT'],
    428: ['VERSION_REQUIRED'],
  })
  async replace(
    @CurrentCaller() caller: Caller,
    @Param('id', CLINICIAN_ID) id: string,
    @Body() dto: ScheduleInputDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StoredSchedule> {
    const version = parseIfMatchVersion(ifMatch);
    if (ifMatch !== undefined && version === undefined) {
      throw SchedulingErrors.badIfMatch();
    }
    return withETag(response, await this.schedules.replace(caller, id, dto, version));
  }

  @Get('visits-outside-hours')
  @ApiOperation({
    summary: 'Visits outside the current hours (that clinician, or an admin)',
    description:
      'Visits starting in [from, to) (at most 31 days) that do not lie inside the schedule’s ' +
      'hours, all of them without a schedule. A change of hours never moves or cancels a ' +
      'visit; this is how the clinic finds the ones to look at.',
  })
  @ApiOkResponse({ description: 'The visits', type: OutsideHoursPageDto })
  @ApiErrors(SIGNED_IN, {
    400: ['VALIDATION_FAILED', 'INVALID_TIME_RANGE'],
    403: ['FORBIDDEN_ROLE'],
    404: ['CLINICIAN_NOT_FOUND'],
  })
  outsideHours(
    @CurrentCaller() caller: Caller,
    @Param('id', CLINICIAN_ID) id: string,
    @Query() query: WindowQuery,
  ) {
    assertWindow(query.from, query.to);
    return this.schedules.visitsOutsideHours(caller, id, query.from, query.to);
  }

  @Get('slots')
  @ApiOperation({
    summary: 'Free slots of a clinician in [from, to), at most 31 days',
    description:
      'Computed from the schedule, minus visits (with their buffers), others’ holds, the ' +
      'minimum notice and the booking horizon. In UTC, with the schedule’s time zone beside.',
  })
  @ApiOkResponse({ description: 'The free slots', type: SlotPageDto })
  @ApiErrors(SIGNED_IN, {
    400: ['VALIDATION_FAILED', 'INVALID_TIME_RANGE'],
    404: ['CLINICIAN_NOT_FOUND', 'APPOINTMENT_NOT_FOUND'],
  })
  slots(
    @CurrentCaller() caller: Caller,
    @Param('id', CLINICIAN_ID) id: string,
    @Query() query: SlotsQuery,
  ) {
    return this.availability.slots(caller, id, query);
  }
}

function withETag(response: Response, schedule: StoredSchedule): StoredSchedule {
  response.setHeader('ETag', `"${schedule.version}"`);
  return schedule;
}
