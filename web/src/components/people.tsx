import type { CallSession, CallView } from '../call';
import { ROLE_WORDS } from '../roles';
import { formatDuration } from '../time';

/**
 * The host's view of who waits and who is in: Admit for the waiting room (the patient first;
 * guests only once the patient is in), Remove for guests in the visit.
 */
export function People({
  view,
  session,
  act,
}: {
  view: CallView;
  session: CallSession;
  act: (action: () => Promise<void>) => () => void;
}) {
  const guests = view.peers.filter(
    (p) => p.role !== 'patient' && p.state !== 'left' && p.state !== 'removed',
  );
  if (view.waitingRoom.length === 0 && guests.length === 0) {
    return null;
  }
  return (
    <section class="card people" aria-labelledby="people-title">
      <h2 id="people-title">People</h2>
      <ul class="list" data-testid="waiting-list">
        {view.waitingRoom.map((w) => {
          const patient = w.role === 'patient';
          const blocked = !patient && !view.patientIn;
          return (
            <li key={w.userId} class="admit">
              <p role="status" data-testid={patient ? 'waiting-patient' : 'waiting-guest'}>
                {patient ? w.displayName : `${w.displayName} (${ROLE_WORDS[w.role]})`} is waiting
                (for {formatDuration(Date.now() - w.since)}).
              </p>
              <button
                class="primary"
                disabled={blocked}
                aria-describedby={blocked ? `first-${w.userId}` : undefined}
                onClick={act(() => session.admit(patient ? undefined : w.userId))}
              >
                Admit {w.displayName}
              </button>
              {blocked && (
                <small id={`first-${w.userId}`} class="hint">
                  Let the patient in first.
                </small>
              )}
            </li>
          );
        })}
        {guests.map((g) => (
          <li key={g.userId} data-testid="guest-in-visit">
            <p>
              {g.displayName} ({ROLE_WORDS[g.role]}) is in the visit.
            </p>
            <button class="danger" onClick={act(() => session.remove(g.userId))}>
              Remove {g.displayName}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
