import { useState } from 'preact/hooks';
import { plainWords } from '../errors';
import { register, signIn } from '../session';

function field(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}

/** Sign in, or create a patient account (clinicians are created by the clinic). */
export function SignInScreen() {
  const [mode, setMode] = useState<'sign-in' | 'register'>('sign-in');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const email = field(form, 'email');
    const password = field(form, 'password');
    setBusy(true);
    setError('');
    try {
      if (mode === 'register') {
        await register(email, password, field(form, 'displayName'));
      } else {
        await signIn(email, password);
      }
    } catch (err) {
      setError(plainWords(err));
      setBusy(false);
    }
  }

  const registering = mode === 'register';
  return (
    <main id="main" class="sign-in">
      <h1>Televisit</h1>
      <p class="lead">Video visits with your clinic.</p>
      <form class="card" onSubmit={(e) => void submit(e)}>
        <h2>{registering ? 'Create an account' : 'Sign in'}</h2>
        {registering && (
          <label>
            Your name
            <input name="displayName" autoComplete="name" required maxLength={100} />
          </label>
        )}
        <label>
          Email
          <input name="email" type="email" autoComplete="email" required />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={registering ? 'new-password' : 'current-password'}
            required
            minLength={registering ? 12 : 1}
            aria-describedby={registering ? 'password-hint' : undefined}
          />
        </label>
        {registering && (
          <p id="password-hint" class="hint">
            At least 12 characters.
          </p>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {registering ? 'Create account' : 'Sign in'}
        </button>
        <p>
          {registering ? 'Already have an account? ' : 'New here? '}
          <button
            type="button"
            class="link"
            onClick={() => {
              setMode(registering ? 'sign-in' : 'register');
              setError('');
            }}
          >
            {registering ? 'Sign in' : 'Create an account'}
          </button>
        </p>
      </form>
    </main>
  );
}
