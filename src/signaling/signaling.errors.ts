import { AppError } from '../common/app-error';

export const SignalingErrors = {
  notInVisit: () =>
    new AppError('conflict', 'NOT_IN_VISIT', 'Join the visit from this socket first'),
  notAdmitted: () =>
    new AppError('conflict', 'NOT_ADMITTED', 'Wait until the clinician admits you'),
  noPatientWaiting: () =>
    new AppError('conflict', 'NO_PATIENT_WAITING', 'No patient is waiting to be admitted'),
  peerUnavailable: () =>
    new AppError('conflict', 'PEER_NOT_AVAILABLE', 'The other participant is not in the call'),
  recipientRequired: () =>
    new AppError(
      'invalid',
      'SIGNAL_TO_REQUIRED',
      'More than one other participant is in the call: name the recipient with `to`',
    ),
  notWaiting: () =>
    new AppError('conflict', 'NOT_WAITING', 'That participant is not waiting to be admitted'),
  patientFirst: () =>
    new AppError('conflict', 'PATIENT_NOT_ADMITTED', 'Admit the patient before any guest'),
  notAGuest: () =>
    new AppError('conflict', 'NOT_A_GUEST', 'Only a guest can be removed from the visit'),
  visitFull: (max: number) =>
    new AppError('conflict', 'VISIT_FULL', 'This visit has as many participants as it can take', {
      max,
    }),
  queueFull: () =>
    new AppError(
      'rate_limited',
      'SIGNAL_QUEUE_FULL',
      'The other participant is reconnecting and too much is waiting for them',
    ),
};
