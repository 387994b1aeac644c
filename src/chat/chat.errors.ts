import { AppError } from '../common/app-error';

export const ChatErrors = {
  rateLimited: () =>
    new AppError('rate_limited', 'CHAT_RATE_LIMITED', 'Too many messages; wait a few seconds'),
};
