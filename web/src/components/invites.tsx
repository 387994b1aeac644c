import { useEffect, useState } from 'preact/hooks';
import type { CreatedInvite, GuestRole, Invite } from '../api';
import { plainWords } from '../errors';
import { inviteLink } from '../guest';
import { ROLE_WORDS } from '../roles';
import { api } from '../session';
import { formatDayTime } from '../time';

const STATUS: Record<string, string> = {
  pending: 'Not used yet',
  active: 'Not used yet',
  redeemed: 'Used',
  revoked: 'Revoked',
  expired: 'Expired',
};

function usable(invite: Invite): boolean {
  return !invite.redeemedAt && !invite.revokedAt && Date.parse(invite.expiresAt) > Date.now();
}

/**
 * The host invites a guest (PRODUCT §9): a link to copy and send (the token is shown once, only
 * here), the visit's invites and their state, and revoking one not yet used.
 */
export function Invites({
  appointmentId,
  changes,
}: {
  appointmentId: string;
  /** Changes whenever someone came or went: an invite may have been used meanwhile. */
  changes: number;
}) {
  const path = `/api/appointments/${appointmentId}/invites`;
  const [items, setItems] = useState<Invite[] | null>(null);
  const [role, setRole] = useState<GuestRole>('interpreter');
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ url: string; displayName: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState('');

  const load = () =>
    api<{ items: Invite[] }>(path).then(
      (page) => setItems(page.items),
      (err: unknown) => setError(plainWords(err)),
    );
  useEffect(() => void load(), [appointmentId, changes]);

  async function create(event: Event) {
    event.preventDefault();
    setError('');
    setCopied(false);
    try {
      const invite = await api<CreatedInvite>(path, {
        method: 'POST',
        body: { role, displayName: name.trim() },
      });
      setCreated({ url: inviteLink(invite.token), displayName: invite.displayName });
      setName('');
      await load();
    } catch (err) {
      setError(plainWords(err));
    }
  }

  async function revoke(invite: Invite) {
    setError('');
    try {
      await api(`${path}/${invite.id}`, { method: 'DELETE' });
      await load();
    } catch (err) {
      setError(plainWords(err));
    }
  }

  async function copy(url: string) {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
    } catch {
      // No clipboard permission: the link is selected in its field for the person to copy.
      document.querySelector<HTMLInputElement>('[data-testid="invite-link"]')?.select();
    }
  }

  return (
    <section class="card invites" aria-labelledby="invites-title">
      <h2 id="invites-title">Invite someone</h2>
      <form class="row" onSubmit={(e) => void create(e)}>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.currentTarget.value as GuestRole)}>
            <option value="interpreter">Interpreter</option>
            <option value="caregiver">Caregiver</option>
            <option value="clinician">Clinician</option>
          </select>
        </label>
        <label class="grow">
          Their name
          <input
            value={name}
            required
            maxLength={100}
            autoComplete="off"
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="primary">
          Create invite link
        </button>
      </form>
      {created && (
        <div class="invite-link" role="status">
          <label>
            Invite link for {created.displayName}
            <input
              readOnly
              value={created.url}
              data-testid="invite-link"
              onFocus={(e) => e.currentTarget.select()}
            />
          </label>
          <button onClick={() => void copy(created.url)}>Copy link</button>
          {copied && <span> Copied.</span>}
          <p class="hint">Send it to them only: whoever opens it joins as them.</p>
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {items && items.length > 0 && (
        <ul class="list" data-testid="invites">
          {items.map((invite) => (
            <li key={invite.id}>
              <span>
                {invite.displayName} ({ROLE_WORDS[invite.role]}):{' '}
                {usable(invite)
                  ? `not used yet, until ${formatDayTime(invite.expiresAt)}`
                  : (STATUS[invite.status] ?? invite.status)}
              </span>{' '}
              {usable(invite) && (
                <button
                  onClick={() => void revoke(invite)}
                  aria-label={`Revoke the invite for ${invite.displayName}`}
                >
                  Revoke
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
