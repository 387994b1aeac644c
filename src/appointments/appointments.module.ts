import { Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { SchedulingModule } from '../scheduling/scheduling.module';
import { UsersModule } from '../users/users.module';
import { AppointmentAccessService } from './appointment-access.service';
import { Appointment } from './appointment.entity';
import { AppointmentsController } from './appointments.controller';
import { AppointmentsService } from './appointments.service';
import { BookingService } from './booking.service';
import { ContactsService } from './contacts.service';
import { IdempotencyKeys } from './idempotency-keys';
import { ReminderMetrics } from './reminder.metrics';
import { VisitClosures } from './visit-closures';
import { VisitLifecycleService } from './visit-lifecycle.service';
import { VisitSchedulerService } from './visit-scheduler.service';

const PURGE_EVERY_MS = 60 * 60 * 1000;

@Module({
  imports: [
    TypeOrmModule.forFeature([Appointment]),
    UsersModule,
    AuditModule,
    NotificationsModule,
    SchedulingModule,
  ],
  controllers: [AppointmentsController],
  providers: [
    AppointmentsService,
    BookingService,
    ContactsService,
    AppointmentAccessService,
    IdempotencyKeys,
    VisitLifecycleService,
    VisitSchedulerService,
    ReminderMetrics,
    VisitClosures,
  ],
  exports: [
    AppointmentsService,
    AppointmentAccessService,
    ContactsService,
    VisitLifecycleService,
    VisitClosures,
  ],
})
export class AppointmentsModule implements OnModuleInit, OnModuleDestroy {
  private purgeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly idempotency: IdempotencyKeys) {}

  onModuleInit(): void {
    this.purgeTimer = setInterval(() => {
      this.idempotency.purgeExpired().catch(() => undefined);
    }, PURGE_EVERY_MS);
    this.purgeTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.purgeTimer);
  }
}
