import { Global, Module } from '@nestjs/common';
import { ConnectionRegistry } from './connection-registry';

/** The sockets of this instance, for every module that talks to clients live. */
@Global()
@Module({ providers: [ConnectionRegistry], exports: [ConnectionRegistry] })
export class RealtimeModule {}
