import {
  ConnectedSocket,
  MessageBody,
  OnGatewayDisconnect,
  SubscribeMessage,
} from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { connectionOf } from '../realtime/connection';
import { AppointmentRefDto } from './dto/appointment-ref.dto';
import { AdmitDto, RemoveDto } from './dto/participant-ref.dto';
import { DirectFrames } from '../realtime/direct-frames';
import { readSignal } from './dto/signal.dto';
import { JoinVisitUseCase } from './join-visit.use-case';
import { ResumeGraceService } from './resume-grace.service';
import { SignalRelayService } from './signal-relay.service';
import { VisitControlsService } from './visit-controls.service';
import { SocketGateway } from '../realtime/socket-gateway.decorator';

/** The visit events of the socket protocol (docs/asyncapi.yaml). Each is one call into a service. */
@SocketGateway()
export class SignalingGateway implements OnGatewayDisconnect<WebSocket> {
  constructor(
    private readonly joins: JoinVisitUseCase,
    private readonly controls: VisitControlsService,
    private readonly grace: ResumeGraceService,
    relay: SignalRelayService,
    direct: DirectFrames,
  ) {
    // The relay's hot path: straight from the adapter, validated by hand (see DirectFrames).
    direct.register('signal', (connection, data) => relay.signal(connection, readSignal(data)));
  }

  handleDisconnect(client: WebSocket): void {
    this.grace.disconnected(connectionOf(client));
  }

  @SubscribeMessage('session.join')
  join(@ConnectedSocket() client: WebSocket, @MessageBody() dto: AppointmentRefDto) {
    return this.joins.join(connectionOf(client), dto.appointmentId);
  }

  @SubscribeMessage('session.admit')
  admit(@ConnectedSocket() client: WebSocket, @MessageBody() dto: AdmitDto) {
    return this.controls.admit(connectionOf(client), dto.appointmentId, dto.userId);
  }

  @SubscribeMessage('session.remove')
  remove(@ConnectedSocket() client: WebSocket, @MessageBody() dto: RemoveDto) {
    return this.controls.remove(connectionOf(client), dto.appointmentId, dto.userId);
  }

  @SubscribeMessage('session.leave')
  leave(@ConnectedSocket() client: WebSocket, @MessageBody() dto: AppointmentRefDto) {
    return this.controls.leave(connectionOf(client), dto.appointmentId);
  }

  @SubscribeMessage('session.end')
  end(@ConnectedSocket() client: WebSocket, @MessageBody() dto: AppointmentRefDto) {
    return this.controls.end(connectionOf(client), dto.appointmentId);
  }
}
