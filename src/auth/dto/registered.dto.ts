import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { UserViewDto } from '../../users/dto/user-view.dto';

/** Registration's answer: the new patient account (log in to get tokens). */
@ApiSchema({ name: 'Registered' })
export class RegisteredDto {
  @ApiProperty({ type: UserViewDto })
  user: UserViewDto;
}
