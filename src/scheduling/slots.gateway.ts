import { ConnectedSocket, MessageBody, SubscribeMessage } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { connectionOf } from '../realtime/connection';
import { SocketGateway } from '../realtime/socket-gateway.decorator';
import { WatchSlotsDto } from './dto/watch-slots.dto';
import { SlotWatchers } from './slot-watchers';

/** Open slot pickers: told `slots.changed` when the clinician's free time may have changed. */
@SocketGateway()
export class SlotsGateway {
  constructor(private readonly watchers: SlotWatchers) {}

  @SubscribeMessage('slots.watch')
  watch(@ConnectedSocket() client: WebSocket, @MessageBody() dto: WatchSlotsDto) {
    return this.watchers.watch(connectionOf(client), dto.clinicianId.toLowerCase());
  }

  @SubscribeMessage('slots.unwatch')
  unwatch(@ConnectedSocket() client: WebSocket, @MessageBody() dto: WatchSlotsDto) {
    return this.watchers.unwatch(connectionOf(client), dto.clinicianId.toLowerCase());
  }
}
