import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Put,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Caller } from '../auth/caller';
import { Public } from '../auth/public.decorator';
import { CurrentCaller } from '../auth/request-origin.decorator';
import { ApiErrors, JSON_BODY, SIGNED_IN } from '../common/api-errors.decorator';
import { uuidPipe } from '../common/uuid.pipe';
import { NotificationPreferencesDto } from './dto/notification-preferences.dto';
import {
  CreatePushSubscriptionDto,
  PushPublicKeyDto,
  PushSubscriptionCreatedDto,
} from './dto/push-subscription.dto';
import { NotificationPreferencesService } from './notification-preferences.service';
import { OutreachErrorCode } from './outreach.errors';
import { PushSubscriptionsService } from './push-subscriptions.service';

const NOT_CONFIGURED = { 404: [OutreachErrorCode.PUSH_NOT_CONFIGURED] };

@ApiTags('outreach')
@Controller()
export class OutreachController {
  constructor(
    private readonly subscriptions: PushSubscriptionsService,
    private readonly preferences: NotificationPreferencesService,
  ) {}

  @Public()
  @Get('push/public-key')
  @ApiOperation({ summary: 'The VAPID public key to subscribe a browser with', security: [] })
  @ApiOkResponse({ description: 'The key', type: PushPublicKeyDto })
  @ApiErrors(NOT_CONFIGURED, { 503: ['SERVICE_UNAVAILABLE'] })
  publicKey() {
    return { publicKey: this.subscriptions.publicKey() };
  }

  @Post('me/push-subscriptions')
  @ApiBearerAuth()
  @ApiOperation({
    summary: "Register this device's Web Push subscription",
    description: 'Sending an endpoint already registered moves it to the caller with its new keys.',
  })
  @ApiCreatedResponse({ description: 'Registered', type: PushSubscriptionCreatedDto })
  @ApiErrors(SIGNED_IN, JSON_BODY, NOT_CONFIGURED, {
    400: [OutreachErrorCode.INVALID_PUSH_SUBSCRIPTION],
  })
  subscribe(@CurrentCaller() caller: Caller, @Body() dto: CreatePushSubscriptionDto) {
    return this.subscriptions.add(caller.userId, dto);
  }

  @Delete('me/push-subscriptions/:id')
  @ApiBearerAuth()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Remove one of my push subscriptions' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiErrors(SIGNED_IN, { 404: [OutreachErrorCode.PUSH_SUBSCRIPTION_NOT_FOUND] })
  async unsubscribe(
    @CurrentCaller() caller: Caller,
    @Param('id', uuidPipe(OutreachErrorCode.PUSH_SUBSCRIPTION_NOT_FOUND)) id: string,
  ): Promise<void> {
    await this.subscriptions.remove(caller.userId, id);
  }

  @Get('me/notification-preferences')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'How and when I am reached outside the app' })
  @ApiOkResponse({ description: 'My preferences', type: NotificationPreferencesDto })
  @ApiErrors(SIGNED_IN)
  getPreferences(@CurrentCaller() caller: Caller) {
    return this.preferences.get(caller.userId);
  }

  @Put('me/notification-preferences')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Set how and when I am reached outside the app',
    description:
      'Quiet hours (in timeZone) hold back push and email of bookings, reschedules and 24 h reminders.',
  })
  @ApiOkResponse({ description: 'My preferences', type: NotificationPreferencesDto })
  @ApiErrors(SIGNED_IN, JSON_BODY, { 400: [OutreachErrorCode.INVALID_TIME_ZONE] })
  putPreferences(@CurrentCaller() caller: Caller, @Body() dto: NotificationPreferencesDto) {
    return this.preferences.put(caller.userId, dto);
  }
}
