import { Global, Module } from '@nestjs/common';
import { BusMetrics } from './bus.metrics';
import { ConnectionRegistry } from './connection-registry';
import { ContactsChannel } from './contacts-channel';
import { DirectFrames } from './direct-frames';
import { InstanceIdentity } from './instance-identity';
import { InstanceRegistry } from './instance-registry';
import { PgBus } from './pg-bus';
import { SocketDirectory } from './socket-directory';
import { SocketMetrics } from './socket.metrics';

/**
 * The sockets of this instance, the bus between instances, and who is running: for every live
 * module.
 */
@Global()
@Module({
  providers: [
    BusMetrics,
    ConnectionRegistry,
    ContactsChannel,
    DirectFrames,
    InstanceIdentity,
    InstanceRegistry,
    PgBus,
    SocketDirectory,
    SocketMetrics,
  ],
  exports: [
    ConnectionRegistry,
    ContactsChannel,
    DirectFrames,
    InstanceRegistry,
    PgBus,
    SocketDirectory,
  ],
})
export class RealtimeModule {}
