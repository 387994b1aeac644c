import type { Type } from '@nestjs/common';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { Page } from '../pagination';

const pages = new Map<Type<unknown>, Type<Page<unknown>>>();

/**
 * The schema of one page of `item`s, `{items, nextCursor}`, named `name` in the document. Made
 * once per item type, so every list of the same items shares one schema.
 */
export function PageOf<T>(item: Type<T>, name: string): Type<Page<T>> {
  const known = pages.get(item);
  if (known) {
    return known as Type<Page<T>>;
  }
  @ApiSchema({ name })
  class PageOfItems implements Page<T> {
    @ApiProperty({ type: item, isArray: true })
    items: T[];

    @ApiProperty({
      type: String,
      nullable: true,
      description: 'Pass as `cursor` for the next page; null on the last page',
    })
    nextCursor: string | null;
  }
  pages.set(item, PageOfItems);
  return PageOfItems;
}
