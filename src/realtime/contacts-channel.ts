import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PgBus } from './pg-bus';

/** Users named in one `televisit_contacts` message, at most (100 UUIDs: about 4 KB of NOTIFY). */
export const MAX_CONTACT_USERS = 100;

/** What `televisit_contacts` carries. */
export interface ContactsMessage {
  userIds: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The messages for these groups (each, the people who have just become one another's
 * contacts): a group is never split, since an instance only introduces people named in the
 * same message, and no message names more than MAX_CONTACT_USERS users.
 */
export function contactMessages(groups: string[][]): ContactsMessage[] {
  const messages: ContactsMessage[] = [];
  let current = new Set<string>();
  for (const group of groups) {
    const members = new Set(group);
    if (members.size > MAX_CONTACT_USERS) {
      throw new Error(`A group of contacts is over ${MAX_CONTACT_USERS} users`);
    }
    const added = [...members].filter((id) => !current.has(id));
    if (current.size + added.length > MAX_CONTACT_USERS) {
      messages.push({ userIds: [...current] });
      current = new Set(members);
    } else {
      added.forEach((id) => current.add(id));
    }
  }
  if (current.size > 0) {
    messages.push({ userIds: [...current] });
  }
  return messages;
}

/** The user ids of a message as it arrived, or undefined when it is not one. */
export function parseContactsMessage(payload: string): string[] | undefined {
  let message: unknown;
  try {
    message = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const userIds = (message as Partial<ContactsMessage> | null)?.userIds;
  if (
    !Array.isArray(userIds) ||
    userIds.length === 0 ||
    userIds.length > MAX_CONTACT_USERS ||
    !userIds.every((id) => typeof id === 'string' && UUID.test(id))
  ) {
    return undefined;
  }
  return userIds;
}

/**
 * `televisit_contacts`: people who have just become each other's contacts (a visit booked or
 * moved to within the contact horizon, or come within it as time passed). Every instance
 * sends each named user's sockets there the presence of their contacts among the named users,
 * as on connect: presence announcements only reach the watchers of a change, and these had
 * no reason to be told anything yet.
 */
@Injectable()
export class ContactsChannel {
  private readonly logger = new Logger(ContactsChannel.name);

  constructor(private readonly bus: PgBus) {}

  /** Inside the transaction that made them contacts: broadcast when, and if, it commits. */
  async publish(manager: EntityManager, groups: string[][]): Promise<void> {
    for (const message of contactMessages(groups)) {
      await this.bus.publish(manager, 'televisit_contacts', JSON.stringify(message));
    }
  }

  /** Registers the handler of every message (from any instance); call before the start. */
  on(handler: (userIds: string[]) => void): void {
    this.bus.on('televisit_contacts', (payload) => {
      const userIds = parseContactsMessage(payload);
      if (userIds) {
        handler(userIds);
      } else {
        this.logger.warn('A contacts message that is not one was ignored');
      }
    });
  }
}
