import { createHmac } from 'node:crypto';
import { iceServersFor, turnCredentials } from './ice-servers';

describe('turnCredentials', () => {
  const expiresAt = new Date('2030-01-01T10:00:00Z');

  it('makes the username expiry:userId with the expiry in Unix seconds', () => {
    const { username } = turnCredentials('secret', 'user-1', expiresAt);
    expect(username).toBe(`${Date.parse('2030-01-01T10:00:00Z') / 1000}:user-1`);
  });

  it('signs the username with HMAC-SHA1 under the secret, base64, as coturn checks it', () => {
    const { username, credential } = turnCredentials('north', 'user-1', expiresAt);
    expect(credential).toBe(createHmac('sha1', 'north').update(username).digest('base64'));
    expect(credential).not.toBe(turnCredentials('south', 'user-1', expiresAt).credential);
  });

  it('matches a known vector (secret "north", username "1893492000:user-1")', () => {
    // Computed independently: printf '1893492000:user-1' | openssl dgst -sha1 -hmac north -binary | base64
    expect(turnCredentials('north', 'user-1', expiresAt).credential).toBe(
      '3phycH17hwDQdLLRh3lU6KRji6E=',
    );
  });
});

describe('iceServersFor', () => {
  const expiresAt = new Date('2030-01-01T10:00:00Z');

  it('gives STUN without credentials and TURN with them', () => {
    const servers = iceServersFor(
      { stunUrls: ['stun:s.example:3478'], turnUrls: ['turn:t.example:3478'], turnSecret: 'x' },
      'u',
      expiresAt,
    );
    expect(servers).toEqual([
      { urls: ['stun:s.example:3478'] },
      {
        urls: ['turn:t.example:3478'],
        username: expect.stringMatching(/^\d+:u$/),
        credential: expect.any(String),
      },
    ]);
  });

  it('gives nothing when nothing is configured', () => {
    expect(
      iceServersFor({ stunUrls: [], turnUrls: [], turnSecret: undefined }, 'u', expiresAt),
    ).toEqual([]);
  });
});
