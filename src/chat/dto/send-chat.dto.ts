import { IsString, IsUUID, Length, Matches } from 'class-validator';

/** `chat.send`. */
export class SendChatDto {
  @IsUUID()
  appointmentId: string;

  /** The sender's own id for the message: sending it again returns the first one. */
  @IsString()
  @Length(1, 128)
  clientMessageId: string;

  /** 1 to 2000 characters (code points), not only blanks. */
  @IsString()
  @Matches(/^(?=[\s\S]*\S)[\s\S]{1,2000}$/u, {
    message: 'text must be 1 to 2000 characters, not only blanks',
  })
  text: string;
}
