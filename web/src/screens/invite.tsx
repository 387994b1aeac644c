import { useEffect, useState } from 'preact/hooks';
import { navigate } from '../app';
import { plainWords } from '../errors';
import { redeemInvite } from '../guest';

const TRANSIENT = new Set(['NETWORK', 'SERVICE_UNAVAILABLE', 'TIMEOUT']);

/**
 * Where an invite link lands (`#/invite/<token>`): the token is exchanged once for a guest pass
 * to that one visit, then the visit opens. No account, no sign-in.
 */
export function InviteScreen({ token }: { token: string }) {
  const [error, setError] = useState('');
  useEffect(() => {
    redeemInvite(token).then(
      (guest) => navigate(`/visit/${guest.appointmentId}`),
      (err: unknown) => {
        const code = (err as { code?: string }).code ?? '';
        // Used, expired, withdrawn or unknown look alike from here, and should; only a service
        // that could not be reached is worded as such.
        setError(
          TRANSIENT.has(code)
            ? plainWords(err)
            : 'This invite link is not valid any more: it was used already, has expired or was withdrawn. Ask the clinic for a new one.',
        );
      },
    );
  }, [token]);
  return (
    <section class="card" aria-labelledby="invite-title">
      <h1 id="invite-title">Joining the video visit</h1>
      {error ? (
        <p class="error" role="alert" data-testid="invite-error">
          {error}
        </p>
      ) : (
        <p aria-live="polite">Opening your invite…</p>
      )}
    </section>
  );
}
