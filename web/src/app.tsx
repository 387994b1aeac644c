import { useEffect, useState } from 'preact/hooks';
import { plainWords } from './errors';
import { Live, live } from './live';
import { Header } from './components/header';
import { BookScreen } from './screens/book';
import { CallScreen } from './screens/call';
import { InboxScreen } from './screens/inbox';
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

/** Signed in: one socket for the whole session, opened here and closed on sign-out. */
function useLive(signedIn: boolean): { ready: boolean; error: string } {
  const [state, setState] = useState({ ready: false, error: '' });
  useEffect(() => {
    if (!signedIn) {
      return;
    }
    const device = new Live();
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
  }, [signedIn]);
  return state;
}

export function App() {
  const user = useStore(currentUser);
  const route = useRoute();
  const { ready, error } = useLive(user !== null);

  if (!user) {
    return <SignInScreen />;
  }
  let screen;
  const visit = /^\/visit\/([0-9a-f-]{36})$/.exec(route);
  if (!ready) {
    screen = error ? (
      <div class="card">
        <p role="alert">{error}</p>
        <button onClick={() => void signOut()}>Sign in again</button>
      </div>
    ) : (
      <p aria-live="polite">Connecting…</p>
    );
  } else if (visit) {
    screen = <CallScreen key={visit[1]} appointmentId={visit[1]} user={user} />;
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
