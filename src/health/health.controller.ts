import { Controller, Get, HttpCode, HttpStatus } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Public } from '../auth/public.decorator';
import { AppError } from '../common/app-error';
import { databaseUnavailable, RETRY_AFTER_SECONDS } from '../database/database-outage';
import { ShutdownState } from './shutdown-state';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly shutdown: ShutdownState,
  ) {}

  /** The process is up. */
  @Get('live')
  @HttpCode(HttpStatus.OK)
  live() {
    return { status: 'ok' };
  }

  /** The instance can serve: the database answers and it is not shutting down. */
  @Get('ready')
  async ready() {
    if (this.shutdown.draining) {
      throw new AppError('unavailable', 'SERVER_DRAINING', 'This server is restarting', {
        retryAfterSeconds: RETRY_AFTER_SECONDS,
      });
    }
    try {
      await this.dataSource.query('SELECT 1');
    } catch {
      throw databaseUnavailable();
    }
    return { status: 'ok', database: 'up' };
  }
}
