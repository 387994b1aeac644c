import { Module } from '@nestjs/common';
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
 * Visit invites and guests (PRODUCT §9). Signaling imports this module for `InvitesService`:
 * `guestSeat`, `onRevoked`, `endGuestAccess`.
 */
@Module({
  imports: [AppointmentsModule, AuthModule, UsersModule, AuditModule],
  controllers: [InvitesController, RedeemController],
  providers: [InvitesService, InvitesRepository, InviteGate, RedeemInviteUseCase],
  exports: [InvitesService],
})
export class InvitesModule {}
