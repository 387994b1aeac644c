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
  queueFull: () =>
    new AppError(
      'rate_limited',
      'SIGNAL_QUEUE_FULL',
      'The other participant is reconnecting and too much is waiting for them',
    ),
};
