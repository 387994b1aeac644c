/* global document, window, fetch, navigator, location, URLSearchParams, MediaStream */
import { TelevisitSocket } from '/demo/client/televisit-socket.js';
import { VisitCall } from '/demo/client/visit-call.js';

const $ = (id) => document.getElementById(id);
const TERMINAL = new Set(['left', 'ended', 'replaced']);

/** The signed-in user and their tokens (`expiresAt` in ms), from login or refresh. */
let auth = null;
let refreshing = null;
let socket = null;
let call = null;
const waitingVisits = new Set();

function say(text) {
  $('message').textContent = text;
}

async function api(path, { method = 'GET', body, token } = {}) {
  const headers = {};
  if (body) {
    headers['Content-Type'] = 'application/json';
  }
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  const res = await fetch(path, { method, headers, body: body && JSON.stringify(body) });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    throw new Error(
      data?.message ? `${data.message} (${data.code})` : `${method} ${path}: ${res.status}`,
    );
  }
  return data;
}

function keepTokens(pair) {
  auth = {
    accessToken: pair.accessToken,
    refreshToken: pair.refreshToken,
    expiresAt: Date.now() + pair.expiresIn * 1000,
    user: pair.user ?? auth.user,
  };
}

/**
 * The socket asks for a token before every (re)connection. One refresh at a time: presenting a
 * refresh token twice ends the whole login.
 */
async function accessToken() {
  if (Date.now() < auth.expiresAt - 60_000) {
    return auth.accessToken;
  }
  refreshing ??= api('/api/auth/refresh', {
    method: 'POST',
    body: { refreshToken: auth.refreshToken },
  })
    .then(keepTokens)
    .finally(() => {
      refreshing = null;
    });
  await refreshing;
  return auth.accessToken;
}

async function login(event) {
  event.preventDefault();
  say('');
  $('login').disabled = true;
  try {
    keepTokens(
      await api('/api/auth/login', {
        method: 'POST',
        body: { email: $('email').value, password: $('password').value },
      }),
    );
    const wsUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
    socket = new TelevisitSocket({ url: wsUrl, token: accessToken });
    // A clinician not yet in the visit hears of a waiting patient through a notification.
    socket.on('notification', ({ type, data }) => {
      if (type === 'session.patient_waiting' && typeof data.appointmentId === 'string') {
        waitingVisits.add(data.appointmentId);
        loadVisits().catch((err) => say(err.message));
      }
    });
    socket.on('disconnected', ({ code, willReconnect }) => {
      say(
        willReconnect ? 'Connection lost; reconnecting…' : `Disconnected (${code}). Sign in again.`,
      );
    });
    socket.on('reconnected', () => say(''));
    window.__televisit = { call: null, socket };
    await socket.connect();
    $('login-section').hidden = true;
    $('visits-section').hidden = false;
    $('who').textContent = `Signed in as ${auth.user.displayName} (${auth.user.role}).`;
    await loadVisits();
  } catch (err) {
    say(err.message);
  } finally {
    $('login').disabled = false;
  }
}

async function loadVisits() {
  const from = new Date();
  from.setHours(0, 0, 0, 0);
  const to = new Date(from);
  to.setDate(to.getDate() + 1);
  const query = new URLSearchParams({
    from: from.toISOString(),
    to: to.toISOString(),
    limit: '100',
  });
  const page = await api(`/api/appointments?${query}`, { token: await accessToken() });
  $('visits').replaceChildren(...page.items.map(visitItem));
  if (page.items.length === 0) {
    const li = document.createElement('li');
    li.textContent = 'No visits today.';
    $('visits').append(li);
  }
}

function visitItem(visit) {
  const time = (iso) =>
    new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const other =
    auth.user.role === 'clinician'
      ? `patient ${visit.patientId}`
      : `clinician ${visit.clinicianId}`;
  const li = document.createElement('li');
  const waiting = waitingVisits.has(visit.id) ? ' · patient waiting' : '';
  li.textContent = `${time(visit.startsAt)}–${time(visit.endsAt)} · ${visit.status} · ${other}${waiting} `;
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Join';
  button.dataset.join = visit.id;
  button.setAttribute('aria-label', `Join the visit at ${time(visit.startsAt)}`);
  button.dataset.closed = String(visit.status !== 'scheduled' && visit.status !== 'in_progress');
  button.disabled = call !== null || button.dataset.closed === 'true';
  li.append(button);
  return li;
}

async function join(appointmentId) {
  if (call) {
    return;
  }
  say('');
  setJoinButtons(false);
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
  } catch (err) {
    say(`Camera or microphone unavailable: ${err.message}`);
    setJoinButtons(true);
    return;
  }
  call = new VisitCall(socket, appointmentId);
  window.__televisit.call = call;
  call.addLocalStream(stream);
  $('local-video').srcObject = stream;
  $('call-section').hidden = false;
  showCallState('joining');
  $('connection-state').textContent = 'new';

  const thisCall = call;
  call.on('state', (state) => {
    showCallState(state);
    if (TERMINAL.has(state)) {
      stream.getTracks().forEach((track) => track.stop());
      $('local-video').srcObject = null;
      $('remote-video').srcObject = null;
      $('connection-state').textContent = 'closed';
      $('admit').hidden = true;
      $('end').hidden = true;
      if (call === thisCall) {
        call = null;
      }
      // Also shows the visit's new status (in progress, completed).
      loadVisits().catch((err) => say(err.message));
      if (state === 'replaced') {
        say('This visit continues on another of your devices.');
      }
    }
  });
  call.on('connectionstatechange', (state) => {
    $('connection-state').textContent = state;
  });
  call.on('track', ({ track, streams }) => {
    $('remote-video').srcObject = streams[0] ?? new MediaStream([track]);
  });
  call.on('peer-left', () => {
    $('remote-video').srcObject = null;
    $('connection-state').textContent = 'closed';
  });
  call.on('waiting', (patient) => {
    $('admit').hidden = !patient;
    $('waiting-note').hidden = !patient;
    $('waiting-note').textContent = patient ? `${patient.displayName} is waiting.` : '';
  });
  call.on('error', (err) => console.warn('negotiation', err));

  try {
    const joined = await call.join();
    $('end').hidden = joined.role !== 'clinician';
    waitingVisits.delete(appointmentId);
  } catch (err) {
    say(err.message);
    stream.getTracks().forEach((track) => track.stop());
    $('call-section').hidden = true;
    call = null;
    setJoinButtons(true);
  }
}

/** One visit at a time; the list's own rules (status) apply again afterwards. */
function setJoinButtons(enabled) {
  for (const button of document.querySelectorAll('[data-join]')) {
    button.disabled = !enabled || button.dataset.closed === 'true';
  }
}

function showCallState(state) {
  $('call-state').textContent = state;
}

/** Runs a call action with its button disabled, showing a failure instead of throwing it. */
async function act(button, action) {
  if (!call) {
    return;
  }
  button.disabled = true;
  try {
    await action(call);
  } catch (err) {
    say(err.message);
  } finally {
    button.disabled = false;
  }
}

$('login-form').addEventListener('submit', (event) => void login(event));
$('visits').addEventListener('click', (event) => {
  const id = event.target.closest('[data-join]')?.dataset.join;
  if (id) {
    void join(id);
  }
});
$('admit').addEventListener('click', () => void act($('admit'), (c) => c.admit()));
$('leave').addEventListener('click', () => void act($('leave'), (c) => c.leave()));
$('end').addEventListener('click', () => void act($('end'), (c) => c.end()));
