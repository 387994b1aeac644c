/** Where a newcomer finds each part of a started instance. */
export interface ServingUrls {
  api: string;
  docs: string;
  app: string;
  websocket: string;
  health: string;
}

/**
 * The URLs to print on start: the public address when configured, else this host and port
 * (a wildcard address shown as localhost, which is where a browser on this machine reaches it).
 */
export function servingUrls(host: string, port: number, publicUrl?: string): ServingUrls {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  const base = (
    publicUrl ?? `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`
  ).replace(/\/+$/, '');
  return {
    api: `${base}/api`,
    docs: `${base}/api/docs`,
    app: `${base}/app/`,
    websocket: `${base.replace(/^http/, 'ws')}/ws`,
    health: `${base}/health/ready`,
  };
}
