import { Global, Module } from '@nestjs/common';
import { DatabaseOutage } from './database-outage';

/** What every module may need from the database besides its DataSource: how outages look. */
@Global()
@Module({ providers: [DatabaseOutage], exports: [DatabaseOutage] })
export class DatabaseModule {}
