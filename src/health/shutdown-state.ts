import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';

/** Flips to draining when shutdown begins, so load balancers stop routing here first. */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown {
  draining = false;

  beforeApplicationShutdown(): void {
    this.draining = true;
  }
}
