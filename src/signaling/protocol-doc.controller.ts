import { Controller, Get, Header, StreamableFile } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Public } from '../auth/public.decorator';
import { projectRoot } from '../common/project-root';

/** The socket protocol's AsyncAPI document, served next to the OpenAPI one. */
@ApiExcludeController()
@Public()
@Controller('docs-asyncapi.yaml')
export class ProtocolDocController {
  @Get()
  @Header('Content-Type', 'application/yaml; charset=utf-8')
  get(): StreamableFile {
    return new StreamableFile(createReadStream(join(projectRoot(), 'docs', 'asyncapi.yaml')));
  }
}
