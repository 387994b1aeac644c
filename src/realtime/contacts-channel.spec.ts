import { randomUUID } from 'node:crypto';
import { contactMessages, MAX_CONTACT_USERS, parseContactsMessage } from './contacts-channel';

const pairs = (n: number) => Array.from({ length: n }, () => [randomUUID(), randomUUID()]);

describe('contactMessages', () => {
  it('puts small groups in one message, naming each user once', () => {
    const [p1, p2, clinician] = [randomUUID(), randomUUID(), randomUUID()];
    expect(
      contactMessages([
        [p1, clinician],
        [p2, clinician],
      ]),
    ).toEqual([{ userIds: [p1, clinician, p2] }]);
    expect(contactMessages([])).toEqual([]);
  });

  it(`names at most ${MAX_CONTACT_USERS} users a message and never splits a pair`, () => {
    const groups = pairs(120);
    const messages = contactMessages(groups);
    expect(messages).toHaveLength(3);
    for (const { userIds } of messages) {
      expect(userIds.length).toBeLessThanOrEqual(MAX_CONTACT_USERS);
    }
    for (const [a, b] of groups) {
      expect(messages.some(({ userIds }) => userIds.includes(a) && userIds.includes(b))).toBe(true);
    }
    expect(messages.flatMap((m) => m.userIds)).toHaveLength(240);
  });

  it('keeps a group that does not fit with the next message', () => {
    const groups = [...pairs(49), [randomUUID(), randomUUID(), randomUUID()]];
    const messages = contactMessages(groups);
    expect(messages.map((m) => m.userIds.length)).toEqual([98, 3]);
  });
});

describe('parseContactsMessage', () => {
  it('answers the user ids of a well-formed message', () => {
    const ids = [randomUUID(), randomUUID()];
    expect(parseContactsMessage(JSON.stringify({ userIds: ids }))).toEqual(ids);
  });

  it('refuses anything else', () => {
    for (const payload of [
      'not json',
      'null',
      '{}',
      '{"userIds":[]}',
      '{"userIds":"x"}',
      '{"userIds":[7]}',
      '{"userIds":["not-a-uuid"]}',
      JSON.stringify({ userIds: pairs(51).flat() }),
    ]) {
      expect(parseContactsMessage(payload)).toBeUndefined();
    }
  });
});
