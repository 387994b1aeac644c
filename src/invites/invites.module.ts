import { Module } from '@nestjs/common';
import { VISIT_GUESTS } from '../signaling/visit-guests';
import { AppointmentsModule } from '../appointments/appointments.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { UsersModule } from '../users/users.module';
import { InviteGate } from './invite-gate';
import { InvitesController } from './invites.controller';
import { InvitesRepository } from './invites.repository';
import { InvitesService } from './invites.service';
import { RedeemController } from './redeem.controller';
import { RedeemInviteUseCase } from './redeem-invite.use-case';

/**
 * Visit invites and guests (PRODUCT §9). Signaling imports this module for its port
 * `VISIT_GUESTS` (InvitesService): `guestSeat`, `onRevoked`, `endGuestAccess`, `endAccessOf`.
 */
@Module({
  imports: [AppointmentsModule, AuthModule, UsersModule, AuditModule],
  controllers: [InvitesController, RedeemController],
  providers: [
    InvitesService,
    InvitesRepository,
    InviteGate,
    RedeemInviteUseCase,
    // The visit core's port to invites (src/signaling/visit-guests.ts).
    { provide: VISIT_GUESTS, useExisting: InvitesService },
  ],
  exports: [InvitesService, VISIT_GUESTS],
})
export class InvitesModule {}
