import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { UsersModule } from '../users/users.module';
import { AvailabilityService } from './availability.service';
import { DiaryRepository } from './diary.repository';
import { SchedulesController } from './schedules.controller';
import { SchedulesRepository } from './schedules.repository';
import { SchedulesService } from './schedules.service';
import { SlotHoldsController } from './slot-holds.controller';
import { SlotHoldsService } from './slot-holds.service';
import { SlotWatchers } from './slot-watchers';
import { SlotsGateway } from './slots.gateway';

@Module({
  imports: [UsersModule, AuditModule],
  controllers: [SchedulesController, SlotHoldsController],
  providers: [
    SchedulesService,
    AvailabilityService,
    SlotHoldsService,
    SlotWatchers,
    SlotsGateway,
    SchedulesRepository,
    DiaryRepository,
  ],
  exports: [AvailabilityService],
})
export class SchedulingModule {}
