import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'televisit:isPublic';

/** Opts a route out of the global authentication guard. Everything else needs a token. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
