import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Caller } from '../auth/caller';
import { Clock } from '../common/clock';
import { UsersService } from '../users/users.service';
import { DiaryRepository } from './diary.repository';
import { SchedulesRepository } from './schedules.repository';
import { SchedulingErrors } from './scheduling.errors';
import { findSlots, isOffered, occupied, Range, ScheduleRules } from './slot-grid';

export const MAX_WINDOW_DAYS = 31;
const DAY = 24 * 60 * 60 * 1000;

export interface SlotSearch {
  from: Date;
  to: Date;
  duration?: number;
  excludeAppointment?: string;
}

export interface SlotList {
  timeZone: string | null;
  items: { startsAt: string; endsAt: string }[];
}

export interface BookingCheck {
  clinicianId: string;
  startsAt: Date;
  endsAt: Date;
  /** Only a patient is held to the offered slots; staff may book outside the hours. */
  mustBeOffered: boolean;
  /** Whose holds count as free: the one booking. */
  holderId: string;
  excludeAppointmentId?: string;
  /** A hold the booking names: it must be the holder's, in this clinician's diary. */
  holdId?: string;
}

export interface Buffers {
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
}

/**
 * Free slots, and the same question asked of one time when it is booked. Both read the
 * schedule and the diary and hand them to the one pure function (slot-grid.ts); a booking asks
 * under the diary's lock, in the transaction that then inserts.
 */
@Injectable()
export class AvailabilityService {
  constructor(
    private readonly schedules: SchedulesRepository,
    private readonly diary: DiaryRepository,
    private readonly users: UsersService,
    private readonly clock: Clock,
  ) {}

  async slots(caller: Caller, clinicianId: string, search: SlotSearch): Promise<SlotList> {
    assertWindow(search.from, search.to);
    const from = search.from.getTime();
    const to = search.to.getTime();
    const names = await this.users.activeNames([{ id: clinicianId, role: 'clinician' }]);
    if (!names.has(clinicianId)) {
      throw SchedulingErrors.clinicianNotFound();
    }
    const excludeAppointmentId = search.excludeAppointment?.toLowerCase();
    if (excludeAppointmentId !== undefined) {
      await this.requireOwnVisit(caller, clinicianId, excludeAppointmentId);
    }
    const schedule = await this.schedules.find(clinicianId);
    if (!schedule) {
      return { timeZone: null, items: [] };
    }
    const busy = await this.diary.busy(clinicianId, widen(schedule, { start: from, end: to }), {
      excludeAppointmentId,
      holderId: caller.userId,
    });
    const slots = findSlots(schedule, {
      from,
      to,
      durationMinutes: search.duration ?? schedule.slotMinutes,
      now: this.clock.now().getTime(),
      busy,
    });
    return {
      timeZone: schedule.timeZone,
      items: slots.map((slot) => ({
        startsAt: new Date(slot.start).toISOString(),
        endsAt: new Date(slot.end).toISOString(),
      })),
    };
  }

  /**
   * Checks a booking, move or hold against the hours, for a patient, releases the caller's
   * other holds with this clinician, and answers the buffers its visit takes. Call it with the
   * clinician's diary locked.
   */
  async check(manager: EntityManager, booking: BookingCheck): Promise<Buffers> {
    const { clinicianId, holderId } = booking;
    if (
      booking.holdId !== undefined &&
      !(await this.diary.holdExists(manager, booking.holdId.toLowerCase(), clinicianId, holderId))
    ) {
      throw SchedulingErrors.holdNotFound();
    }
    const schedule = await this.schedules.find(clinicianId, manager);
    if (booking.mustBeOffered) {
      const slot = { start: booking.startsAt.getTime(), end: booking.endsAt.getTime() };
      if (!schedule) {
        throw SchedulingErrors.slotUnavailable();
      }
      const busy = await this.diary.busy(
        booking.clinicianId,
        widen(schedule, slot),
        { excludeAppointmentId: booking.excludeAppointmentId, holderId: booking.holderId },
        manager,
      );
      if (!isOffered(schedule, slot, this.clock.now().getTime(), busy)) {
        throw SchedulingErrors.slotUnavailable();
      }
    }
    // The holder's own holds with this clinician give way to what they now book or hold.
    await this.diary.releaseHolds(manager, clinicianId, holderId);
    return {
      bufferBeforeMinutes: schedule?.bufferBeforeMinutes ?? 0,
      bufferAfterMinutes: schedule?.bufferAfterMinutes ?? 0,
    };
  }

  private async requireOwnVisit(caller: Caller, clinicianId: string, appointmentId: string) {
    const patientId = await this.diary.patientOf(clinicianId, appointmentId);
    const mine =
      patientId !== undefined &&
      (caller.role === 'admin' || caller.userId === clinicianId || caller.userId === patientId);
    if (!mine) {
      throw SchedulingErrors.appointmentNotFound();
    }
  }
}

/** A window of a search: ending after it starts, at most MAX_WINDOW_DAYS long. */
export function assertWindow(fromDate: Date, toDate: Date): void {
  const from = fromDate.getTime();
  const to = toDate.getTime();
  if (to <= from) {
    throw SchedulingErrors.badWindow('to must be after from');
  }
  if (to - from > MAX_WINDOW_DAYS * DAY) {
    throw SchedulingErrors.badWindow(`A search spans at most ${MAX_WINDOW_DAYS} days`);
  }
}

/** Where busy time can touch slots of `range`: its candidates widened by the buffers. */
function widen(schedule: ScheduleRules, range: Range): Range {
  return occupied(schedule, range);
}
