/**
 * The broadcast channels between instances (LISTEN/NOTIFY). Every instance listens on each
 * channel a handler is registered for; what each carries is described where it is published.
 */
export type BusChannel =
  | 'televisit_contacts'
  | 'televisit_notifications'
  | 'televisit_presence'
  | 'televisit_revocations'
  | 'televisit_slots';
