import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';

export class UpdateUserDto {
  @ApiProperty({ description: 'true ends all of the user’s logins at once' })
  @IsBoolean()
  disabled: boolean;
}
