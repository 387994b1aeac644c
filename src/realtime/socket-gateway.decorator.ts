import { applyDecorators, UseFilters, UsePipes } from '@nestjs/common';
import { WebSocketGateway } from '@nestjs/websockets';
import { createValidationPipe } from '../common/validation';
import { WsErrorFilter } from './ws-error.filter';

/**
 * A gateway on the one client socket (`/ws`): payloads validated by the same DTO rules as REST,
 * failures answered as `error` frames.
 */
export const SocketGateway = () =>
  applyDecorators(
    WebSocketGateway({ path: '/ws' }),
    UsePipes(createValidationPipe()),
    UseFilters(WsErrorFilter),
  );
