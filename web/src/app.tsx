import { useEffect, useState } from 'preact/hooks';
import { plainWords } from './errors';
import { currentGuest, guestToken, type Guest } from './guest';
import { Live, live } from './live';
import { Header } from './components/header';
import { BookScreen } from './screens/book';
import { CallScreen } from './screens/call';
import { InboxScreen } from './screens/inbox';
import { InviteScreen } from './screens/invite';
import { SignInScreen } from './screens/sign-in';
import { VisitsScreen } from './screens/visits';
import { currentUser, signOut } from './session';
import { useStore } from './store';

function useRoute(): string {
  const [route, setRoute] = useState(location.hash.slice(1) || '/');
  useEffect(() => {
    const onChange = () => setRoute(location.hash.slice(1) || '/');
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function navigate(route: string): void {
  location.hash = route;
}

const VISIT = /^\/visit\/([0-9a-f-]{36})$/;
const INVITE = /^\/invite\/([^/]+)$/;

/**
 * Signed in (or holding a guest pass, `who`): one socket for the whole session, opened here and
 * closed on sign-out.
 */
function useLive(who: string | null, make: () => Live): { ready: boolean; error: string } {
  const [state, setState] = useState({ ready: false, error: '' });
  useEffect(() => {
    if (who === null) {
      return;
    }
    const device = make();
    live.set(device);
    device.start().then(
      () => setState({ ready: true, error: '' }),
      (err: unknown) => setState({ ready: false, error: plainWords(err) }),
    );
    return () => {
      device.stop();
      live.set(null);
      setState({ ready: false, error: '' });
    };
  }, [who]);
  return state;
}

/** A guest (PRODUCT §9): the one visit of their pass, over the socket alone. */
function GuestApp({ guest, route }: { guest: Guest; route: string }) {
  const { ready, error } = useLive(
    guest.userId || guest.accessToken,
    () => new Live(guestToken, true),
  );
  const visit = VISIT.exec(route);
  useEffect(() => {
    if (!visit || visit[1] !== guest.appointmentId) {
      navigate(`/visit/${guest.appointmentId}`);
    }
  }, [route]);
  const me = { id: guest.userId, displayName: 'Guest', role: 'guest' } as const;
  return (
    <>
      <header class="top">
        <span class="brand">Televisit</span>
        <div class="me">
          <span class="who" data-testid="who">
            Guest
          </span>
        </div>
      </header>
      <main id="main">
        {error ? (
          <p class="card error" role="alert">
            {error}
          </p>
        ) : !ready ? (
          <p aria-live="polite">Connecting…</p>
        ) : (
          <CallScreen key={guest.appointmentId} appointmentId={guest.appointmentId} me={me} />
        )}
      </main>
    </>
  );
}

export function App() {
  const user = useStore(currentUser);
  const guest = useStore(currentGuest);
  const route = useRoute();
  const { ready, error } = useLive(user?.id ?? null, () => new Live());
  const invite = INVITE.exec(route);

  if (!user && invite) {
    return (
      <main id="main">
        <InviteScreen token={decodeURIComponent(invite[1])} />
      </main>
    );
  }
  if (!user && guest) {
    return <GuestApp guest={guest} route={route} />;
  }
  if (!user) {
    return <SignInScreen />;
  }
  let screen;
  const visit = VISIT.exec(route);
  if (!ready) {
    screen = error ? (
      <div class="card">
        <p role="alert">{error}</p>
        <button onClick={() => void signOut()}>Sign in again</button>
      </div>
    ) : (
      <p aria-live="polite">Connecting…</p>
    );
  } else if (invite) {
    screen = (
      <p class="card" role="status">
        You are signed in as {user.displayName}. To join as the guest this link invites, open it in
        a private window, or sign out first.
      </p>
    );
  } else if (visit) {
    screen = <CallScreen key={visit[1]} appointmentId={visit[1]} me={user} />;
  } else if (route === '/book' && user.role === 'patient') {
    screen = <BookScreen />;
  } else if (route === '/inbox') {
    screen = <InboxScreen />;
  } else {
    screen = <VisitsScreen user={user} />;
  }
  return (
    <>
      <Header user={user} route={route} />
      <main id="main">{screen}</main>
    </>
  );
}
