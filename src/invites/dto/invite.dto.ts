import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { INVITE_ROLES, InviteRole, InviteStatus } from '../invite-rules';
import type { CreatedInvite, InviteView } from '../invite-view';

const STATUSES: InviteStatus[] = ['pending', 'redeemed', 'expired', 'revoked'];

/** A new invite, with its token: shown this once. */
@ApiSchema({ name: 'CreatedInvite' })
export class CreatedInviteDto implements CreatedInvite {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: INVITE_ROLES })
  role: InviteRole;

  @ApiProperty()
  displayName: string;

  @ApiProperty({ type: String, format: 'date-time' })
  expiresAt: string;

  @ApiProperty({ description: 'For POST /api/invites/redeem; never shown again' })
  token: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The invited clinician, if one was named' })
  userId?: string;
}

@ApiSchema({ name: 'Invite' })
export class InviteDto implements InviteView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: INVITE_ROLES })
  role: InviteRole;

  @ApiProperty()
  displayName: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  userId: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  expiresAt: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  redeemedAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt: string | null;

  @ApiProperty({ enum: STATUSES })
  status: InviteStatus;
}

/** A visit's invites, oldest first; a visit has few (at most 20), so never a next page. */
@ApiSchema({ name: 'InvitePage' })
export class InvitePageDto {
  @ApiProperty({ type: InviteDto, isArray: true })
  items: InviteDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Always null: one page holds them all',
  })
  nextCursor: null;
}

@ApiSchema({ name: 'RedeemedInvite' })
export class RedeemedInviteDto {
  @ApiProperty({ description: 'Good only for this visit’s socket (/ws); no REST route takes it' })
  accessToken: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'The visit’s end plus one hour' })
  expiresAt: string;

  @ApiProperty({ format: 'uuid' })
  appointmentId: string;
}
