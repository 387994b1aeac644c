import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { Role, ROLES } from '../role';
import type { UserView } from '../user.entity';

/** What the API shows of a user (never the password hash). */
@ApiSchema({ name: 'User' })
export class UserViewDto implements UserView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'pat@example.com' })
  email: string;

  @ApiProperty({ example: 'Pat Doe' })
  displayName: string;

  @ApiProperty({ enum: ROLES })
  role: Role;

  @ApiProperty({ description: 'A disabled user cannot log in, and their tokens stop working' })
  disabled: boolean;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;
}
