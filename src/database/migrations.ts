import { CreateUsersAndSessions1764000000000 } from '../../migrations/1764000000000-CreateUsersAndSessions';
import { CreateAppointments1764000000001 } from '../../migrations/1764000000001-CreateAppointments';
import { CreateAuditLog1764000000002 } from '../../migrations/1764000000002-CreateAuditLog';
import { CreateNotificationsAndReminders1764000000003 } from '../../migrations/1764000000003-CreateNotificationsAndReminders';
import { CreateInstancesAndVisitRooms1764000000004 } from '../../migrations/1764000000004-CreateInstancesAndVisitRooms';
import { NotificationPushCarriesTheNotification1764000000005 } from '../../migrations/1764000000005-NotificationPushCarriesTheNotification';
import { SocketChangesInOneStatement1764000000006 } from '../../migrations/1764000000006-SocketChangesInOneStatement';
import { EmailsNormalisedAndRegistrationsByAddress1764000000007 } from '../../migrations/1764000000007-EmailsNormalisedAndRegistrationsByAddress';
import { VisitEndedEarlyFreesItsTime1764000000008 } from '../../migrations/1764000000008-VisitEndedEarlyFreesItsTime';
import { ServingRoleOnlyAppendsToTheAuditLog1764000000009 } from '../../migrations/1764000000009-ServingRoleOnlyAppendsToTheAuditLog';
import { InstanceMailboxProgress1764000000010 } from '../../migrations/1764000000010-InstanceMailboxProgress';
import { CreateSchedulesAndDiary1764000000011 } from '../../migrations/1764000000011-CreateSchedulesAndDiary';
import { DiaryAnnouncesSlotChanges1764000000012 } from '../../migrations/1764000000012-DiaryAnnouncesSlotChanges';
import { CreateOutreach1764000000020 } from '../../migrations/1764000000020-CreateOutreach';
import { CreateVisitMessages1764000000030 } from '../../migrations/1764000000030-CreateVisitMessages';
import { CreateVisitInvites1764000000040 } from '../../migrations/1764000000040-CreateVisitInvites';
import { SeatsPerParticipant1764000000041 } from '../../migrations/1764000000041-SeatsPerParticipant';

/** Every migration, oldest first. Listed rather than globbed so the build and tests agree. */
export const MIGRATIONS = [
  CreateUsersAndSessions1764000000000,
  CreateAppointments1764000000001,
  CreateAuditLog1764000000002,
  CreateNotificationsAndReminders1764000000003,
  CreateInstancesAndVisitRooms1764000000004,
  NotificationPushCarriesTheNotification1764000000005,
  SocketChangesInOneStatement1764000000006,
  EmailsNormalisedAndRegistrationsByAddress1764000000007,
  VisitEndedEarlyFreesItsTime1764000000008,
  ServingRoleOnlyAppendsToTheAuditLog1764000000009,
  InstanceMailboxProgress1764000000010,
  CreateSchedulesAndDiary1764000000011,
  DiaryAnnouncesSlotChanges1764000000012,
  CreateOutreach1764000000020,
  CreateVisitMessages1764000000030,
  CreateVisitInvites1764000000040,
  SeatsPerParticipant1764000000041,
];
