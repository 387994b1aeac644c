import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import webpush from 'web-push';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DEVELOPMENT_VAPID_SUBJECT } from '../config/outreach-config';

export interface Vapid {
  publicKey: string;
  privateKey: string;
  subject: string;
}

const FILE = 'vapid-keys.json';

/**
 * The VAPID key pair push services know this service by. From config; in development and test
 * made once and kept under DATA_DIR (so subscriptions survive restarts); in production without
 * them, Web Push is off (`PUSH_NOT_CONFIGURED`).
 */
@Injectable()
export class VapidKeys {
  readonly vapid: Vapid | undefined;
  private readonly logger = new Logger(VapidKeys.name);

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { vapidPublicKey, vapidPrivateKey, vapidSubject } = config.outreach;
    const subject = vapidSubject ?? DEVELOPMENT_VAPID_SUBJECT;
    if (vapidPublicKey && vapidPrivateKey) {
      this.vapid = { publicKey: vapidPublicKey, privateKey: vapidPrivateKey, subject };
    } else if (config.nodeEnv !== 'production') {
      try {
        this.vapid = { ...kept(config.dataDir), subject };
      } catch (error) {
        this.logger.warn(
          { err: error },
          'Web Push is off: no VAPID keys could be kept in DATA_DIR',
        );
      }
    } else {
      this.logger.warn('Web Push is off: VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are not set');
    }
  }
}

/** The pair in DATA_DIR, made by whichever process gets there first. */
function kept(dataDir: string): { publicKey: string; privateKey: string } {
  const path = join(dataDir, FILE);
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(path, JSON.stringify(webpush.generateVAPIDKeys()), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
  }
  for (let attempt = 0; ; attempt++) {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as { publicKey: string; privateKey: string };
    } catch (error) {
      // Another process made the file an instant ago and is still writing it.
      if (attempt > 50 || !(error instanceof SyntaxError)) {
        throw error;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}
