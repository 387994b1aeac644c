import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { RequestOrigin } from '../auth/caller';
import { Public } from '../auth/public.decorator';
import { Origin } from '../auth/request-origin.decorator';
import { ApiErrors, JSON_BODY } from '../common/api-errors.decorator';
import { RedeemedInviteDto } from './dto/invite.dto';
import { RedeemInviteDto } from './dto/redeem-invite.dto';
import { RedeemInviteUseCase } from './redeem-invite.use-case';

@ApiTags('invites')
@Public()
@Controller('invites')
export class RedeemController {
  constructor(private readonly redeemer: RedeemInviteUseCase) {}

  @Post('redeem')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Redeem a visit invite',
    description:
      'Once, before it expires. An unknown, used, expired or revoked token, or one for a closed ' +
      'visit, all get the same 404. The access token opens that visit’s socket and nothing else.',
    security: [],
  })
  @ApiOkResponse({ description: 'Redeemed', type: RedeemedInviteDto })
  @ApiErrors(JSON_BODY, {
    404: ['INVITE_NOT_FOUND'],
    429: ['TOO_MANY_REDEEM_ATTEMPTS'],
    503: ['SERVICE_UNAVAILABLE'],
  })
  redeem(@Body() dto: RedeemInviteDto, @Origin() origin: RequestOrigin) {
    return this.redeemer.redeem(dto.token, origin);
  }
}
