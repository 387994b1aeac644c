import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors, JSON_BODY } from '../common/api-errors.decorator';
import { RegisterDto } from '../users/dto/create-user.dto';
import { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';
import type { RequestOrigin } from './caller';
import { LoginResultDto } from './dto/login-result.dto';
import { LoginDto } from './dto/login.dto';
import { RefreshTokenDto } from './dto/refresh-token.dto';
import { RegisteredDto } from './dto/registered.dto';
import { TokenPairDto } from './dto/token-pair.dto';
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
  @ApiOperation({
    summary: 'Register as a patient',
    description: 'Clinicians and admins are created by an admin (POST /api/users).',
    security: [],
  })
  @ApiCreatedResponse({ description: 'Registered', type: RegisteredDto })
  @ApiErrors(JSON_BODY, {
    409: ['EMAIL_TAKEN'],
    429: ['TOO_MANY_REGISTRATIONS'],
    503: ['SERVICE_UNAVAILABLE'],
  })
  async register(@Body() dto: RegisterDto, @Origin() origin: RequestOrigin) {
    return { user: await this.users.register(dto, origin) };
  }

  @Post('login')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Log in',
    description: 'A wrong password and an unknown email get the same answer.',
    security: [],
  })
  @ApiOkResponse({ description: 'Logged in', type: LoginResultDto })
  @ApiErrors(JSON_BODY, {
    401: ['INVALID_CREDENTIALS', 'ACCOUNT_DISABLED'],
    429: ['TOO_MANY_LOGIN_ATTEMPTS'],
    503: ['SERVICE_UNAVAILABLE'],
  })
  login(@Body() dto: LoginDto, @Origin() origin: RequestOrigin) {
    return this.auth.login(dto.email, dto.password, origin);
  }

  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Trade a refresh token for a new pair',
    description:
      'Each refresh token works once. Presenting one already used ends that whole login ' +
      '(REFRESH_TOKEN_REUSED): it was copied.',
    security: [],
  })
  @ApiOkResponse({ description: 'The new pair', type: TokenPairDto })
  @ApiErrors(JSON_BODY, {
    401: ['INVALID_REFRESH_TOKEN', 'REFRESH_TOKEN_REUSED'],
    503: ['SERVICE_UNAVAILABLE'],
  })
  refresh(@Body() dto: RefreshTokenDto, @Origin() origin: RequestOrigin) {
    return this.auth.refresh(dto.refreshToken, origin);
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Log out',
    description: 'Revokes the login the refresh token belongs to and closes its open sockets.',
    security: [],
  })
  @ApiNoContentResponse({ description: 'Logged out' })
  @ApiErrors(JSON_BODY, { 401: ['INVALID_REFRESH_TOKEN'], 503: ['SERVICE_UNAVAILABLE'] })
  async logout(@Body() dto: RefreshTokenDto, @Origin() origin: RequestOrigin): Promise<void> {
    await this.auth.logout(dto.refreshToken, origin);
  }
}
