/** Readers of single environment variables: each throws a ConfigError naming its variable. */

/** A setting that cannot be used. The message always starts with the variable's name. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

export function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = text(env, name);
  if (raw === undefined) {
    return fallback;
  }
  if (!/^\d+$/.test(raw)) {
    throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  }
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

export function oneOf<T extends string>(
  env: Env,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = text(env, name);
  if (raw === undefined) {
    return fallback;
  }
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

export function email(env: Env, name: string): string | undefined {
  const raw = text(env, name);
  if (raw !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(raw)) {
    throw new ConfigError(name, 'must be an email address');
  }
  return raw?.toLowerCase();
}

export function list(env: Env, name: string): string[] {
  return (text(env, name) ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export function origins(env: Env, name: string): string[] {
  return list(env, name).map((origin) => {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError(
        name,
        `holds "${origin}", which is not an origin like https://app.example`,
      );
    }
    if (url.origin !== origin.replace(/\/$/, '')) {
      throw new ConfigError(name, `holds "${origin}": give scheme://host[:port] only`);
    }
    return url.origin;
  });
}

export function iceUrls(env: Env, name: string, schemes: string[]): string[] {
  const urls = list(env, name);
  for (const url of urls) {
    if (!schemes.some((scheme) => url.startsWith(scheme))) {
      throw new ConfigError(
        name,
        `holds "${url}", which does not start with ${schemes.join(' or ')}`,
      );
    }
  }
  return urls;
}

/**
 * A URL whose scheme is one of `protocols` (with their colons, e.g. `https:`); `example`
 * shows the person configuring it what is expected.
 */
export function urlOf(
  env: Env,
  name: string,
  protocols: string[],
  example: string,
): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) {
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL such as ${example}`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(
      name,
      `must start with ${protocols.map((protocol) => `${protocol}//`).join(' or ')}`,
    );
  }
  return raw;
}

export function httpUrl(env: Env, name: string): string | undefined {
  return urlOf(env, name, ['https:', 'http:'], 'https://televisit.example');
}

export function postgresUrl(env: Env, name: string): string | undefined {
  return urlOf(env, name, ['postgres:', 'postgresql:'], 'postgres://user@host:5432/db');
}
