import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsObject, IsString, MaxLength, ValidateNested } from 'class-validator';

export class PushSubscriptionKeysDto {
  @ApiProperty({ description: "The browser's P-256 public key, base64url" })
  @IsString()
  @MaxLength(256)
  p256dh: string;

  @ApiProperty({ description: 'The 16-byte authentication secret, base64url' })
  @IsString()
  @MaxLength(64)
  auth: string;
}

/** What `PushSubscription.toJSON()` gives in a browser (its `expirationTime` is not kept). */
export class CreatePushSubscriptionDto {
  @ApiProperty({ description: 'https: (development and test: also loopback http:)' })
  @IsString()
  @MaxLength(2048)
  endpoint: string;

  @ApiProperty({ type: PushSubscriptionKeysDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PushSubscriptionKeysDto)
  keys: PushSubscriptionKeysDto;
}

export class PushSubscriptionCreatedDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
}

export class PushPublicKeyDto {
  @ApiProperty({ description: 'The VAPID public key (base64url) to subscribe with' })
  publicKey: string;
}
