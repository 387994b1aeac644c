import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

/**
 * helmet's headers, with a Content-Security-Policy that the web app and Swagger UI work
 * under: everything from this origin only, inline styles allowed (both pages have them, and
 * styles cannot run code), no framing at all, so the app's sign-in cannot be overlaid
 * (clickjacking). HSTS and upgrade-insecure-requests only when the service is public over https:
 * sent over plain http they would break a deployment that has no TLS.
 */
export function securityHeaders(publicUrl: string | undefined) {
  const https = publicUrl?.startsWith('https:') ?? false;
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'base-uri': ["'self'"],
        'connect-src': ["'self'"],
        'font-src': ["'self'", 'data:'],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        'img-src': ["'self'", 'data:'],
        'object-src': ["'none'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        ...(https ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    strictTransportSecurity: https ? { maxAge: 365 * 86400, includeSubDomains: false } : false,
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}

// Express matches routes case-insensitively, so these do too.
const PRIVATE = /^\/(?:api|health)(?:\/|$)/i;
/** Public and the same for everyone: these may be cached. */
const CACHEABLE = /^\/api\/docs(?:[/.-]|$)/i;

/**
 * No API or health answer is stored by a browser or a proxy: they carry tokens, clinical data
 * or the instance's state. Static files (the web app) and the API's documentation may be cached.
 */
export function noStore() {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (PRIVATE.test(request.path) && !CACHEABLE.test(request.path)) {
      response.setHeader('Cache-Control', 'no-store');
    }
    next();
  };
}
