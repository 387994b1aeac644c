import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { lockDiaries } from '../appointments/diary-locks';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/caller';
import { COMMON_ERRORS } from '../common/app-error';
import { UsersService } from '../users/users.service';
import { scheduleProblems } from './schedule-problems';
import { DiaryRepository } from './diary.repository';
import { SchedulesRepository, StoredSchedule } from './schedules.repository';
import { SchedulingErrors } from './scheduling.errors';
import { ScheduleRules, withinHours } from './slot-grid';

/** Publishing and reading a clinician's hours. Changing them never touches booked visits. */
@Injectable()
export class SchedulesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly schedules: SchedulesRepository,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly diary: DiaryRepository,
  ) {}

  async get(clinicianId: string): Promise<StoredSchedule> {
    await this.requireClinician(clinicianId);
    const schedule = await this.schedules.find(clinicianId);
    if (!schedule) {
      throw SchedulingErrors.scheduleNotFound();
    }
    return schedule;
  }

  /**
   * Replaces the schedule, from the version the caller read (none for the first one). Under the
   * diary's lock, so a booking checks against the hours before or after, never half of each.
   */
  async replace(
    caller: Caller,
    clinicianId: string,
    rules: ScheduleRules,
    expectedVersion: number | undefined,
  ): Promise<StoredSchedule> {
    if (
      caller.role === 'patient' ||
      (caller.role === 'clinician' && caller.userId !== clinicianId)
    ) {
      throw SchedulingErrors.notYours();
    }
    const problems = scheduleProblems(rules);
    if (Object.keys(problems).length > 0) {
      throw COMMON_ERRORS.validation({ fields: problems });
    }
    return this.dataSource.transaction(async (manager) => {
      await this.requireClinician(clinicianId, manager);
      await lockDiaries(manager, [clinicianId]);
      const current = await this.schedules.find(clinicianId, manager);
      if (current && expectedVersion === undefined) {
        throw SchedulingErrors.versionRequired();
      }
      const currentVersion = current?.version ?? 0;
      if (expectedVersion !== undefined && expectedVersion !== currentVersion) {
        throw SchedulingErrors.versionConflict(currentVersion);
      }
      const saved = await this.schedules.save(manager, clinicianId, rules, currentVersion + 1);
      await this.audit.record(
        {
          actorId: caller.userId,
          action: 'schedule.replace',
          outcome: 'success',
          target: { type: 'user', id: clinicianId },
          details: { version: saved.version },
          origin: caller,
        },
        manager,
      );
      return saved;
    });
  }

  /**
   * The clinician's visits starting in `[from, to)` that are not inside the current hours (all
   * of them without a schedule): a change of hours leaves them booked, for the clinic to act on.
   */
  async visitsOutsideHours(caller: Caller, clinicianId: string, from: Date, to: Date) {
    if (
      caller.role === 'patient' ||
      (caller.role === 'clinician' && caller.userId !== clinicianId)
    ) {
      throw SchedulingErrors.notYours();
    }
    await this.requireClinician(clinicianId);
    const schedule = await this.schedules.find(clinicianId);
    const visits = await this.diary.visits(clinicianId, from, to);
    const outside = visits.filter(
      (visit) =>
        !schedule ||
        !withinHours(schedule, { start: visit.startsAt.getTime(), end: visit.endsAt.getTime() }),
    );
    return {
      items: outside.map((visit) => ({
        ...visit,
        startsAt: visit.startsAt.toISOString(),
        endsAt: visit.endsAt.toISOString(),
      })),
    };
  }

  private async requireClinician(clinicianId: string, manager?: EntityManager): Promise<void> {
    const names = await this.users.activeNames([{ id: clinicianId, role: 'clinician' }], manager);
    if (!names.has(clinicianId)) {
      throw SchedulingErrors.clinicianNotFound();
    }
  }
}
