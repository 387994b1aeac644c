import { Global, Module } from '@nestjs/common';
import { ConnectionRegistry } from './connection-registry';
import { PgBus } from './pg-bus';

/** The sockets of this instance and the bus between instances, for every live module. */
@Global()
@Module({ providers: [ConnectionRegistry, PgBus], exports: [ConnectionRegistry, PgBus] })
export class RealtimeModule {}
