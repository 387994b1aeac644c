import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { AdminBootstrap } from './admin-bootstrap';
import { CliniciansController } from './clinicians.controller';
import { PasswordHasher } from './password-hasher';
import { RegisterThrottleService } from './register-throttle.service';
import { User } from './user.entity';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([User]), AuditModule],
  controllers: [UsersController, CliniciansController],
  providers: [UsersService, PasswordHasher, RegisterThrottleService, AdminBootstrap],
  exports: [UsersService, PasswordHasher],
})
export class UsersModule {}
