import {
  ConnectedSocket,
  MessageBody,
  OnGatewayDisconnect,
  SubscribeMessage,
} from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { connectionOf } from '../realtime/connection';
import { AppointmentRefDto } from './dto/appointment-ref.dto';
import { DirectFrames } from '../realtime/direct-frames';
import { readSignal } from './dto/signal.dto';
import { VisitsService } from './visits.service';
import { SocketGateway } from '../realtime/socket-gateway.decorator';

/** The visit events of the socket protocol (docs/asyncapi.yaml). Each is one call into a service. */
@SocketGateway()
export class SignalingGateway implements OnGatewayDisconnect<WebSocket> {
  constructor(
    private readonly visits: VisitsService,
    direct: DirectFrames,
  ) {
    // The relay's hot path: straight from the adapter, validated by hand (see DirectFrames).
    direct.register('signal', (connection, data) =>
      this.visits.signal(connection, readSignal(data)),
    );
  }

  handleDisconnect(client: WebSocket): void {
    this.visits.disconnected(connectionOf(client));
  }

  @SubscribeMessage('session.join')
  join(@ConnectedSocket() client: WebSocket, @MessageBody() dto: AppointmentRefDto) {
    return this.visits.join(connectionOf(client), dto.appointmentId);
  }

  @SubscribeMessage('session.admit')
  admit(@ConnectedSocket() client: WebSocket, @MessageBody() dto: AppointmentRefDto) {
    return this.visits.admit(connectionOf(client), dto.appointmentId);
  }

  @SubscribeMessage('session.leave')
  leave(@ConnectedSocket() client: WebSocket, @MessageBody() dto: AppointmentRefDto) {
    return this.visits.leave(connectionOf(client), dto.appointmentId);
  }

  @SubscribeMessage('session.end')
  end(@ConnectedSocket() client: WebSocket, @MessageBody() dto: AppointmentRefDto) {
    return this.visits.end(connectionOf(client), dto.appointmentId);
  }
}
