import { useEffect, useState } from 'preact/hooks';
import { request } from '../api';
import { plainWords } from '../errors';
import { api } from '../session';

const KEY = 'televisit.pushSubscription';

type Support = 'checking' | 'unsupported' | 'not-offered' | 'off' | 'on' | 'blocked';

/** The VAPID key as the bytes PushManager wants. */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = (base64url + '='.repeat((4 - (base64url.length % 4)) % 4))
    .replace(/-/g, '+')
    .replace(/_/g, '/');
  const raw = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) {
    bytes[i] = raw.charCodeAt(i);
  }
  return bytes;
}

async function registration(): Promise<ServiceWorkerRegistration> {
  await navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' });
  return navigator.serviceWorker.ready;
}

/**
 * Push notifications for this device, while no tab is open: offered only when the browser can
 * and the service has a VAPID key (PRODUCT §8).
 */
export function PushToggle() {
  const [support, setSupport] = useState<Support>('checking');
  const [error, setError] = useState('');

  useEffect(() => {
    if (!('serviceWorker' in navigator) || !('PushManager' in window)) {
      setSupport('unsupported');
      return;
    }
    if (Notification.permission === 'denied') {
      setSupport('blocked');
      return;
    }
    request<{ publicKey: string }>('/api/push/public-key').then(
      () => setSupport(localStorage.getItem(KEY) ? 'on' : 'off'),
      () => setSupport('not-offered'),
    );
  }, []);

  async function enable() {
    setError('');
    try {
      const { publicKey } = await request<{ publicKey: string }>('/api/push/public-key');
      if ((await Notification.requestPermission()) !== 'granted') {
        setSupport('blocked');
        return;
      }
      const subscription = await (
        await registration()
      ).pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) });
      const { endpoint, keys } = subscription.toJSON();
      const { id } = await api<{ id: string }>('/api/me/push-subscriptions', {
        method: 'POST',
        body: { endpoint, keys },
      });
      localStorage.setItem(KEY, id);
      setSupport('on');
    } catch (err) {
      setError(plainWords(err));
    }
  }

  async function disable() {
    setError('');
    try {
      const id = localStorage.getItem(KEY);
      if (id) {
        await api(`/api/me/push-subscriptions/${id}`, { method: 'DELETE' }).catch(() => {});
      }
      localStorage.removeItem(KEY);
      await (
        await navigator.serviceWorker.getRegistration('/app/')
      )?.pushManager
        .getSubscription()
        .then((s) => s?.unsubscribe());
      setSupport('off');
    } catch (err) {
      setError(plainWords(err));
    }
  }

  if (support === 'checking' || support === 'unsupported' || support === 'not-offered') {
    return null;
  }
  return (
    <div class="push" data-testid="push">
      {support === 'blocked' && (
        <p class="hint">Notifications are blocked for this site in your browser settings.</p>
      )}
      {support === 'off' && (
        <button onClick={() => void enable()}>
          Notify me on this device when the app is closed
        </button>
      )}
      {support === 'on' && (
        <p>
          This device gets notifications.{' '}
          <button class="link" onClick={() => void disable()}>
            Turn off
          </button>
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
