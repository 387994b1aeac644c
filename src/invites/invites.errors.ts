import { AppError } from '../common/app-error';

export const InvitesErrors = {
  notFound: () => new AppError('not_found', 'INVITE_NOT_FOUND', 'No such invite'),
  /** One answer for an unknown, used, expired or revoked token, or a closed visit. */
  notRedeemable: () =>
    new AppError(
      'not_found',
      'INVITE_NOT_FOUND',
      'This invitation is not valid (it may have been used, revoked or have expired)',
    ),
  forbidden: () =>
    new AppError(
      'forbidden',
      'FORBIDDEN_ROLE',
      'Only the visit’s clinician or an admin manages its invites',
    ),
  visitClosed: (status: string) =>
    new AppError('conflict', 'VISIT_CLOSED', `This visit is ${status}; it takes no guests`, {
      status,
    }),
  visitOver: () => new AppError('conflict', 'VISIT_OVER', 'This visit’s time has passed'),
  tooMany: (max: number) =>
    new AppError('conflict', 'TOO_MANY_INVITES', `A visit has at most ${max} invites`, { max }),
  alreadyInvited: () =>
    new AppError(
      'conflict',
      'ALREADY_INVITED',
      'This clinician already has a live invite to this visit',
    ),
  unknownClinician: () =>
    new AppError('unprocessable', 'CLINICIAN_NOT_FOUND', 'userId is not an active clinician'),
  alreadyInVisit: () =>
    new AppError(
      'unprocessable',
      'ALREADY_A_PARTICIPANT',
      'userId is already one of this visit’s participants',
    ),
  tooManyAttempts: (retryAfterSeconds: number) =>
    new AppError(
      'rate_limited',
      'TOO_MANY_REDEEM_ATTEMPTS',
      'Too many invalid invitations from this address; try again later',
      { retryAfterSeconds },
    ),
};
