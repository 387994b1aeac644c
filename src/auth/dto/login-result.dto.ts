import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { UserViewDto } from '../../users/dto/user-view.dto';
import { TokenPairDto } from './token-pair.dto';

/** A login's answer: the tokens and who they belong to. */
@ApiSchema({ name: 'LoginResult' })
export class LoginResultDto extends TokenPairDto {
  @ApiProperty({ type: UserViewDto })
  user: UserViewDto;
}
