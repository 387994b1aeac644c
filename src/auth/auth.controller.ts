import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { RegisterDto } from '../users/dto/create-user.dto';
import { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';
import type { RequestOrigin } from './caller';
import { LoginDto } from './dto/login.dto';
import { RefreshTokenDto } from './dto/refresh-token.dto';
import { Public } from './public.decorator';
import { Origin } from './request-origin.decorator';

@ApiTags('auth')
@Public()
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  /** Creates a patient account. Clinicians and admins are created by an admin. */
  @Post('register')
  async register(@Body() dto: RegisterDto, @Origin() origin: RequestOrigin) {
    return { user: await this.users.register(dto, origin) };
  }

  @Post('login')
  @HttpCode(HttpStatus.OK)
  login(@Body() dto: LoginDto, @Origin() origin: RequestOrigin) {
    return this.auth.login(dto.email, dto.password, origin);
  }

  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  refresh(@Body() dto: RefreshTokenDto, @Origin() origin: RequestOrigin) {
    return this.auth.refresh(dto.refreshToken, origin);
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  async logout(@Body() dto: RefreshTokenDto, @Origin() origin: RequestOrigin): Promise<void> {
    await this.auth.logout(dto.refreshToken, origin);
  }
}
