import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import nodemailer, { Transporter } from 'nodemailer';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { smtpResult, SendResult } from './delivery-failure';
import type { EmailMessage } from './email-message';

/** SMTP through nodemailer; one pooled transport per instance. */
@Injectable()
export class EmailSender implements OnModuleDestroy {
  private readonly transport: Transporter | undefined;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const url = config.outreach.smtpUrl;
    this.transport = url
      ? nodemailer.createTransport({
          url,
          pool: true,
          maxConnections: 2,
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 20_000,
        } as Parameters<typeof nodemailer.createTransport>[0])
      : undefined;
  }

  get configured(): boolean {
    return this.transport !== undefined;
  }

  async send(to: string, message: EmailMessage): Promise<SendResult> {
    if (!this.transport) {
      return { kind: 'permanent', error: 'SMTP_NOT_CONFIGURED' };
    }
    try {
      await this.transport.sendMail({
        from: this.config.outreach.mailFrom,
        to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        ...(message.calendar
          ? { icalEvent: { method: message.calendar.method, content: message.calendar.content } }
          : {}),
      });
      return { kind: 'sent' };
    } catch (error) {
      return smtpResult(error);
    }
  }

  onModuleDestroy(): void {
    this.transport?.close();
  }
}
