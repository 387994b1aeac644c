import type { SettablePresenceStatus } from '../../../client/protocol';
import type { SocketState } from '../../../client/televisit-socket';
import type { User } from '../api';
import { live } from '../live';
import { signOut } from '../session';
import { useStore, Store } from '../store';

const none = new Store(0);
const noneState = new Store<SocketState>('open');
const noPresence = new Store<SettablePresenceStatus>('available');

export function Header({ user, route }: { user: User; route: string }) {
  const device = useStore(live);
  const unread = useStore(device?.unread ?? none);
  const connection = useStore(device?.connection ?? noneState);
  const myPresence = useStore(device?.myPresence ?? noPresence);
  const current = (path: string) => (route === path ? 'page' : undefined);
  return (
    <header class="top">
      <a class="brand" href="#/">
        Televisit
      </a>
      <nav aria-label="Main">
        <a href="#/" aria-current={current('/')}>
          {user.role === 'clinician' ? 'Today' : 'My visits'}
        </a>
        {user.role === 'patient' && (
          <a href="#/book" aria-current={current('/book')}>
            Book
          </a>
        )}
        <a href="#/inbox" aria-current={current('/inbox')} data-testid="inbox-link">
          Inbox{' '}
          <span class="badge" data-testid="unread" aria-label={`${unread} unread`}>
            {unread}
          </span>
        </a>
      </nav>
      <div class="me">
        {user.role === 'clinician' && device && (
          <label class="presence">
            <span class="sr-only">My status</span>
            <select
              value={myPresence}
              onChange={(e) =>
                void device.setPresence(e.currentTarget.value as SettablePresenceStatus)
              }
            >
              <option value="available">Available</option>
              <option value="away">Away</option>
              <option value="busy">Busy</option>
            </select>
          </label>
        )}
        <span class="who" data-testid="who">
          {user.displayName}
        </span>
        <button class="link" onClick={() => void signOut()}>
          Sign out
        </button>
      </div>
      {connection !== 'open' && connection !== 'idle' && (
        <p class="banner" role="status" data-testid="connection">
          Connection lost. Reconnecting…
        </p>
      )}
    </header>
  );
}
