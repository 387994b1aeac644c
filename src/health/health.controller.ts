import { Controller, Get, HttpCode, HttpStatus } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Public } from '../auth/public.decorator';
import { ApiErrors } from '../common/api-errors.decorator';
import { AppError } from '../common/app-error';
import { databaseUnavailable, RETRY_AFTER_SECONDS } from '../database/database-outage';
import { LivenessDto } from './dto/liveness.dto';
import { ReadinessDto } from './dto/readiness.dto';
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
  @ApiOperation({ summary: 'Liveness: the process is up', security: [] })
  @ApiOkResponse({ description: 'Up', type: LivenessDto })
  live() {
    return { status: 'ok' };
  }

  /** The instance can serve: the database answers and it is not shutting down. */
  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: the database answers and the server is not shutting down',
    security: [],
  })
  @ApiOkResponse({ description: 'Ready to serve', type: ReadinessDto })
  @ApiErrors({ 503: ['SERVICE_UNAVAILABLE', 'SERVER_DRAINING'] })
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
