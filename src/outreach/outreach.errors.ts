import { AppError } from '../common/app-error';

export enum OutreachErrorCode {
  PUSH_NOT_CONFIGURED = 'PUSH_NOT_CONFIGURED',
  PUSH_SUBSCRIPTION_NOT_FOUND = 'PUSH_SUBSCRIPTION_NOT_FOUND',
  INVALID_PUSH_SUBSCRIPTION = 'INVALID_PUSH_SUBSCRIPTION',
  INVALID_TIME_ZONE = 'INVALID_TIME_ZONE',
}

export const OUTREACH_ERRORS = {
  pushNotConfigured: () =>
    new AppError(
      'not_found',
      OutreachErrorCode.PUSH_NOT_CONFIGURED,
      'Web Push is not configured on this server',
    ),
  subscriptionNotFound: () =>
    new AppError(
      'not_found',
      OutreachErrorCode.PUSH_SUBSCRIPTION_NOT_FOUND,
      'No such push subscription',
    ),
  invalidSubscription: (problem: string) =>
    new AppError('invalid', OutreachErrorCode.INVALID_PUSH_SUBSCRIPTION, problem),
  invalidTimeZone: (zone: string) =>
    new AppError('invalid', OutreachErrorCode.INVALID_TIME_ZONE, 'timeZone is not an IANA zone', {
      timeZone: zone,
    }),
};
