import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppointmentsModule } from './appointments/appointments.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CommonModule } from './common/common.module';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { openDatabase } from './database/open-database';
import { typeormOptions } from './database/typeorm-options';
import { HealthModule } from './health/health.module';
import { InvitesModule } from './invites/invites.module';
import { MetricsModule } from './metrics/metrics.module';
import { NotificationsModule } from './notifications/notifications.module';
import { OutreachModule } from './outreach/outreach.module';
import { PresenceModule } from './presence/presence.module';
import { RealtimeModule } from './realtime/realtime.module';
import { SchedulingModule } from './scheduling/scheduling.module';
import { SignalingModule } from './signaling/signaling.module';
import { ChatModule } from './chat/chat.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  /** `config.databaseUrl` must be resolved (the embedded server started) before this. */
  static register(config: AppConfig & { databaseUrl: string }): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        EventEmitterModule.forRoot(),
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...typeormOptions(config.databaseUrl, config.database),
            autoLoadEntities: true,
          }),
          // Pending migrations run before any module can touch the schema.
          dataSourceFactory: (options) => openDatabase(options!, config),
        }),
        CommonModule,
        DatabaseModule,
        MetricsModule,
        HealthModule,
        RealtimeModule,
        AuditModule,
        UsersModule,
        AuthModule,
        NotificationsModule,
        SchedulingModule,
        OutreachModule,
        AppointmentsModule,
        InvitesModule,
        SignalingModule,
        ChatModule,
        PresenceModule,
      ],
    };
  }
}
