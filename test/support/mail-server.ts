import type { AddressInfo } from 'node:net';
import { ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** An email as the test's SMTP server took it, parsed by mailparser. */
export interface ReceivedMail {
  to: string[];
  mail: ParsedMail;
}

/**
 * A real SMTP server on loopback (the smtp-server package): what it accepts is parsed and kept.
 * `refuse(address, code)` answers that code to RCPT TO for the address (451: try later, 550: no).
 */
export class MailServer {
  readonly received: ReceivedMail[] = [];
  private readonly refusals = new Map<string, number[]>();
  private server!: SMTPServer;
  url = '';

  static async start(): Promise<MailServer> {
    const mail = new MailServer();
    mail.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo(address, _session, callback) {
        const code = mail.refusals.get(address.address.toLowerCase())?.shift();
        if (code) {
          const error = Object.assign(new Error(`refused ${code}`), { responseCode: code });
          callback(error);
          return;
        }
        callback();
      },
      onData(stream, session, callback) {
        simpleParser(stream).then(
          (parsed) => {
            mail.received.push({
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()),
              mail: parsed,
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
    await new Promise<void>((resolve) => mail.server.listen(0, '127.0.0.1', resolve));
    const { port } = mail.server.server.address() as AddressInfo;
    mail.url = `smtp://127.0.0.1:${port}`;
    return mail;
  }

  refuse(address: string, codes: number[]): void {
    this.refusals.set(address.toLowerCase(), [...codes]);
  }

  to(address: string): ParsedMail[] {
    return this.received
      .filter((received) => received.to.includes(address.toLowerCase()))
      .map((received) => received.mail);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
