import { RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import { DatabaseOutage } from './database/database-outage';
import { HttpErrorFilter } from './common/http-error.filter';
import { jsonBodyErrors, jsonDepthLimit } from './common/json-body';
import { createLogger, PinoLoggerService, requestLogging } from './common/logging';
import { join } from 'node:path';
import { projectRoot } from './common/project-root';
import { noStore, securityHeaders } from './common/security-headers';
import { createValidationPipe } from './common/validation';
import { TelevisitWsAdapter } from './realtime/ws-adapter';
import type { AppConfig } from './config/app-config';

export const BODY_LIMIT = '1mb';

export interface CreateAppOptions {
  /** Where log lines go (default: stdout); tests read them here. */
  logDestination?: DestinationStream;
}

/** Builds the whole application, configured exactly as it serves; used by main and e2e tests. */
export async function createApp(
  config: AppConfig & { databaseUrl: string },
  options: CreateAppOptions = {},
): Promise<NestExpressApplication> {
  // The JSON logger from the first line on: the database retries at start are logged like the rest.
  const logger = createLogger(config, options.logDestination);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), {
    logger: new PinoLoggerService(logger),
    bodyParser: false,
  });
  app.disable('x-powered-by');
  // No automatic weak ETags (a hash of every body): appointments carry their version as ETag.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxyHops);
  // First, so even a body the parser refuses is logged with its id.
  app.use(requestLogging(logger));
  app.use(securityHeaders(config.publicUrl), noStore());
  app.useBodyParser('json', { limit: BODY_LIMIT });
  // body-parser's errors are named here, where they happen; a body that parsed may still be
  // too deep for what reads it next.
  app.use(jsonBodyErrors('1 MiB'), jsonDepthLimit());
  // The web app (web/, built by `npm run build`); the old demo page's address leads to it.
  app.useStaticAssets(join(projectRoot(), 'dist', 'web'), { prefix: '/app/' });
  app.use(/^\/demo(?:\/.*)?$/i, (_request: Request, response: Response) =>
    response.redirect(301, '/app/'),
  );
  app.setGlobalPrefix('api', { exclude: [{ path: 'health/*path', method: RequestMethod.ALL }] });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpErrorFilter(app.get(DatabaseOutage)));
  app.useWebSocketAdapter(new TelevisitWsAdapter(app));

  const openApi = new DocumentBuilder()
    .setTitle('Televisit')
    .setDescription(
      'Booking, visits and notifications for telemedicine. See docs/ for the socket protocol.',
    )
    .setVersion('0.1.0')
    .setLicense('MIT', 'https://opensource.org/license/mit')
    // Relative: the document is right for whichever host serves it.
    .addServer('/', 'This server')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, openApi), {
    jsonDocumentUrl: 'api/docs-json',
    // No badge from the public validator: it would send it our document's address.
    swaggerOptions: { validatorUrl: null },
  });
  return app;
}
