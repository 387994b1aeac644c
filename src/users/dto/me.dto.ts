import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { Role, ROLES } from '../role';

/** The caller, as `GET /api/users/me` shows them. */
@ApiSchema({ name: 'Me' })
export class MeDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'pat@example.com' })
  email: string;

  @ApiProperty({ example: 'Pat Doe' })
  displayName: string;

  @ApiProperty({ enum: ROLES })
  role: Role;
}
