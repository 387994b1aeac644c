import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/request-origin.decorator';
import { ApiErrors, JSON_BODY, SIGNED_IN } from '../common/api-errors.decorator';
import { uuidPipe } from '../common/uuid.pipe';
import { CreateInviteDto } from './dto/create-invite.dto';
import { CreatedInviteDto, InvitePageDto } from './dto/invite.dto';
import { InvitesService } from './invites.service';

const WHO = 'The visit’s clinician or an admin; the patient gets 403, anyone else 404.';

@ApiTags('invites')
@ApiBearerAuth()
@Controller('appointments/:id/invites')
export class InvitesController {
  constructor(private readonly invites: InvitesService) {}

  @Post()
  @ApiOperation({
    summary: 'Invite a guest to a visit',
    description: `${WHO} Without userId the answer's token is redeemed by someone with no account.`,
  })
  @ApiCreatedResponse({ description: 'Invited', type: CreatedInviteDto })
  @ApiErrors(SIGNED_IN, JSON_BODY, {
    403: ['FORBIDDEN_ROLE'],
    404: ['APPOINTMENT_NOT_FOUND'],
    409: ['VISIT_CLOSED', 'VISIT_OVER', 'TOO_MANY_INVITES', 'ALREADY_INVITED'],
    422: ['CLINICIAN_NOT_FOUND', 'ALREADY_A_PARTICIPANT'],
  })
  create(
    @CurrentCaller() caller: Caller,
    @Param('id', uuidPipe('APPOINTMENT_NOT_FOUND')) id: string,
    @Body() dto: CreateInviteDto,
  ) {
    return this.invites.create(caller, id, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List a visit’s invites', description: `${WHO} Never the tokens.` })
  @ApiOkResponse({ description: 'Every invite of the visit, oldest first', type: InvitePageDto })
  @ApiErrors(SIGNED_IN, { 403: ['FORBIDDEN_ROLE'], 404: ['APPOINTMENT_NOT_FOUND'] })
  async list(
    @CurrentCaller() caller: Caller,
    @Param('id', uuidPipe('APPOINTMENT_NOT_FOUND')) id: string,
  ) {
    return { items: await this.invites.list(caller, id), nextCursor: null };
  }

  @Delete(':inviteId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Revoke an invite',
    description: `${WHO} A guest's token stops working at once and their sockets close.`,
  })
  @ApiNoContentResponse({ description: 'Revoked (also when it already was)' })
  @ApiErrors(SIGNED_IN, {
    403: ['FORBIDDEN_ROLE'],
    404: ['APPOINTMENT_NOT_FOUND', 'INVITE_NOT_FOUND'],
  })
  async revoke(
    @CurrentCaller() caller: Caller,
    @Param('id', uuidPipe('APPOINTMENT_NOT_FOUND')) id: string,
    @Param('inviteId', uuidPipe('INVITE_NOT_FOUND')) inviteId: string,
  ): Promise<void> {
    await this.invites.revoke(caller, id, inviteId);
  }
}
