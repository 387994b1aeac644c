import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';

/** This process among the instances sharing the database: a new id for every start. */
@Injectable()
export class InstanceIdentity {
  readonly id = randomUUID();

  /** The NOTIFY channel of this instance's mailbox (identifiers cannot hold dashes). */
  get mailboxChannel(): string {
    return mailboxChannelOf(this.id);
  }
}

export function mailboxChannelOf(instanceId: string): string {
  return `televisit_mailbox_${instanceId.replace(/-/g, '')}`;
}
