/** Why a subscription is refused, or undefined when it can be used. */
export function pushSubscriptionProblem(
  endpoint: string,
  keys: { p256dh: string; auth: string },
  allowLoopbackHttp: boolean,
): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'endpoint must be a URL';
  }
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(allowLoopbackHttp && url.protocol === 'http:' && loopback)) {
    return allowLoopbackHttp
      ? 'endpoint must be https: (or http: on loopback)'
      : 'endpoint must be https:';
  }
  if (url.username || url.password) {
    return 'endpoint must not carry credentials';
  }
  const p256dh = decoded(keys.p256dh);
  if (p256dh?.length !== 65 || p256dh[0] !== 0x04) {
    return 'keys.p256dh must be an uncompressed P-256 public key (65 bytes, base64url)';
  }
  if (decoded(keys.auth)?.length !== 16) {
    return 'keys.auth must be 16 bytes, base64url';
  }
  return undefined;
}

function decoded(value: string): Buffer | undefined {
  return /^[A-Za-z0-9_-]+=*$/.test(value) ? Buffer.from(value, 'base64url') : undefined;
}
