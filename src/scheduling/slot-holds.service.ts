import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { assertBookableSlot } from '../appointments/booking-rules';
import { lockDiaries } from '../appointments/diary-locks';
import type { Caller } from '../auth/caller';
import { Clock } from '../common/clock';
import { isPgError, PG_EXCLUSION_VIOLATION } from '../database/postgres-errors';
import { UsersService } from '../users/users.service';
import { AvailabilityService } from './availability.service';
import type { CreateSlotHoldDto } from './dto/create-slot-hold.dto';
import { DiaryRepository } from './diary.repository';
import { SchedulingErrors } from './scheduling.errors';
import { occupied } from './slot-grid';

export const HOLD_MINUTES = 5;

export interface SlotHold {
  id: string;
  clinicianId: string;
  startsAt: string;
  endsAt: string;
  expiresAt: string;
}

/**
 * A slot kept for someone choosing in a form. Held in the diary like a visit, so the database
 * keeps others' bookings and holds off it; it lapses by its own `live` range, with no sweeper.
 */
@Injectable()
export class SlotHoldsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly availability: AvailabilityService,
    private readonly diary: DiaryRepository,
    private readonly users: UsersService,
    private readonly clock: Clock,
  ) {}

  async hold(caller: Caller, dto: CreateSlotHoldDto): Promise<SlotHold> {
    const clinicianId = dto.clinicianId.toLowerCase();
    if (caller.role === 'clinician' && caller.userId !== clinicianId) {
      throw SchedulingErrors.holdNotAllowed();
    }
    assertBookableSlot(dto.startsAt, dto.endsAt, this.clock.now());
    const slot = { start: dto.startsAt.getTime(), end: dto.endsAt.getTime() };
    try {
      return await this.dataSource.transaction(async (manager) => {
        const names = await this.users.activeNames(
          [{ id: clinicianId, role: 'clinician' }],
          manager,
        );
        if (!names.has(clinicianId)) {
          throw SchedulingErrors.clinicianNotFound();
        }
        await lockDiaries(manager, [clinicianId]);
        const buffers = await this.availability.check(manager, {
          clinicianId,
          startsAt: dto.startsAt,
          endsAt: dto.endsAt,
          mustBeOffered: caller.role === 'patient',
          holderId: caller.userId,
        });
        const held = await this.diary.insertHold(manager, {
          clinicianId,
          holderId: caller.userId,
          slot,
          occupies: occupied(buffers, slot),
          minutes: HOLD_MINUTES,
        });
        return {
          id: held.id,
          clinicianId,
          startsAt: dto.startsAt.toISOString(),
          endsAt: dto.endsAt.toISOString(),
          expiresAt: held.expiresAt.toISOString(),
        };
      });
    } catch (error) {
      if (isPgError(error, PG_EXCLUSION_VIOLATION)) {
        throw SchedulingErrors.slotUnavailable();
      }
      throw error;
    }
  }

  /** Gives a hold up; answers the clinician whose diary it was in. */
  async release(caller: Caller, holdId: string): Promise<string> {
    const clinicianId = await this.diary.deleteHold(holdId, caller.userId);
    if (clinicianId === undefined) {
      throw SchedulingErrors.holdNotFound();
    }
    return clinicianId;
  }
}
