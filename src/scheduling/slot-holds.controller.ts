import { Body, Controller, Delete, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/request-origin.decorator';
import { ApiErrors, JSON_BODY, SIGNED_IN } from '../common/api-errors.decorator';
import { uuidPipe } from '../common/uuid.pipe';
import { CreateSlotHoldDto, SlotHoldDto } from './dto/create-slot-hold.dto';
import { SlotHoldsService } from './slot-holds.service';

@ApiTags('scheduling')
@ApiBearerAuth()
@Controller('slot-holds')
export class SlotHoldsController {
  constructor(private readonly holds: SlotHoldsService) {}

  @Post()
  @ApiOperation({
    summary: 'Hold a slot for 5 minutes while choosing',
    description:
      'Nobody else can hold or book it meanwhile; book it naming holdId. A patient holds only ' +
      'an offered slot. A new hold with the same clinician replaces your previous one.',
  })
  @ApiCreatedResponse({ description: 'Held', type: SlotHoldDto })
  @ApiErrors(SIGNED_IN, JSON_BODY, {
    400: ['APPOINTMENT_IN_PAST', 'INVALID_TIME_RANGE'],
    403: ['BOOKING_NOT_ALLOWED'],
    404: ['CLINICIAN_NOT_FOUND'],
    409: ['SLOT_UNAVAILABLE'],
  })
  async hold(@CurrentCaller() caller: Caller, @Body() dto: CreateSlotHoldDto) {
    const { id, expiresAt } = await this.holds.hold(caller, dto);
    return { id, expiresAt };
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Give up a hold of yours' })
  @ApiNoContentResponse({ description: 'Released' })
  @ApiErrors(SIGNED_IN, { 404: ['HOLD_NOT_FOUND'] })
  async release(
    @CurrentCaller() caller: Caller,
    @Param('id', uuidPipe('HOLD_NOT_FOUND')) id: string,
  ): Promise<void> {
    await this.holds.release(caller, id);
  }
}
