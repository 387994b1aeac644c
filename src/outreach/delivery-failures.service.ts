import { Injectable } from '@nestjs/common';
import type { Page } from '../common/pagination';
import { UsersService } from '../users/users.service';
import { DeliveriesRepository } from './deliveries.repository';
import type { DeliveryFailureDto } from './dto/delivery-failure.dto';

/** What admins see of failed deliveries. */
@Injectable()
export class DeliveryFailuresService {
  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly users: UsersService,
  ) {}

  async list(cursor: string | undefined, limit: number): Promise<Page<DeliveryFailureDto>> {
    const page = await this.deliveries.failed(cursor, limit);
    const emails = new Map<string, string>();
    for (const userId of new Set(page.items.map((item) => item.userId))) {
      emails.set(userId, (await this.users.findView(userId)).email);
    }
    return {
      items: page.items.map((item) => ({ ...item, email: emails.get(item.userId) ?? '' })),
      nextCursor: page.nextCursor,
    };
  }
}
