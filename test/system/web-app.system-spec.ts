import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { startTestApp, TestApp } from '../support/test-app';
import {
  makePatient,
  makeStaff,
  minutesFromNow,
  PASSWORD,
  TestUser,
  uniqueEmail,
} from '../support/factories';
import { ALWAYS_OPEN, publishSchedule } from '../support/schedules';
import { adminOf, makeVisit } from '../support/visits';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(__dirname, 'screenshots');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };

/** An IANA zone where it is around midday now, so "today's visits" never straddles midnight. */
function middayZone(): string {
  const offset = 12 - new Date().getUTCHours();
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

interface AxeResult {
  violations: Array<{ id: string; impact: string | null; help: string; nodes: unknown[] }>;
}

/**
 * The web app at /app/ in headless Chromium with fake camera and microphone, as a patient and a
 * clinician would use it, from registering to the end of the visit. Every screen is checked
 * with axe-core and photographed at desktop and phone size (test/system/screenshots/).
 */
describe('the web app in a real browser (system)', () => {
  let t: TestApp;
  let browser: Browser;
  /** Everything the Content-Security-Policy blocked, and every request to another origin. */
  const violations: string[] = [];
  const foreign: string[] = [];
  const pageErrors: string[] = [];
  const zone = middayZone();

  beforeAll(async () => {
    // This run's screenshots only: a step renamed or gone leaves no stale picture behind.
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    t = await startTestApp();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function newContext(): Promise<BrowserContext> {
    const context = await browser.newContext({
      timezoneId: zone,
      viewport: DESKTOP,
      permissions: ['camera', 'microphone'],
    });
    await context.exposeFunction('reportViolation', (text: string) => violations.push(text));
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        const report = (window as unknown as { reportViolation(text: string): void })
          .reportViolation;
        report(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`);
      });
    });
    const origin = new URL(t.baseUrl).origin;
    context.on('request', (request) => {
      const url = new URL(request.url());
      if (url.protocol.startsWith('http') && url.origin !== origin) {
        foreign.push(request.url());
      }
    });
    return context;
  }

  async function openApp(context?: BrowserContext): Promise<Page> {
    const page = await (context ?? (await newContext())).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) {
        violations.push(message.text());
      }
    });
    await page.goto(`${t.baseUrl}/app/`);
    return page;
  }

  /** axe-core on what the page shows now: no serious or critical violation. */
  async function checkAccessibility(page: Page, step: string): Promise<void> {
    // Evaluated through the DevTools protocol, which the page's CSP does not govern.
    await page.evaluate(AXE);
    const result = await page.evaluate(() =>
      (window as unknown as { axe: { run(): Promise<AxeResult> } }).axe.run(),
    );
    const bad = result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${step}: ${v.id} (${v.impact}) ${v.help} ×${v.nodes.length}`);
    expect(bad).toEqual([]);
  }

  /** axe, then a screenshot at desktop and at phone size. */
  async function screen(page: Page, step: string): Promise<void> {
    await checkAccessibility(page, step);
    await page.screenshot({ path: join(SHOTS, `${step}-desktop.png`), fullPage: true });
    await page.setViewportSize(PHONE);
    await checkAccessibility(page, `${step} (phone)`);
    await page.screenshot({ path: join(SHOTS, `${step}-phone.png`), fullPage: true });
    await page.setViewportSize(DESKTOP);
  }

  async function signIn(page: Page, user: { email: string; password: string }) {
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor();
  }

  const peerState = (page: Page) => page.getByTestId('peer-tile').getByTestId('peer-state');

  /** `step` names the moment in the failure message, should the video never play. */
  async function remoteVideoPlays(page: Page, step: string): Promise<void> {
    await page
      .waitForFunction(
        () => {
          const video = document.querySelector<HTMLVideoElement>('[data-testid="peer-tile"] video');
          const stream = video?.srcObject as MediaStream | null | undefined;
          return Boolean(stream && stream.getVideoTracks().length > 0 && video!.videoWidth > 0);
        },
        undefined,
        { timeout: 30_000 },
      )
      .catch((err: Error) => {
        throw new Error(`${step}: the remote video did not play (${err.message})`);
      });
  }

  /** The datetime-local value of `minutes` from now, in the page's own zone. */
  function localInputIn(page: Page, minutes: number): Promise<string> {
    return page.evaluate((ms) => {
      const d = new Date(Date.now() + ms);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    }, minutes * 60_000);
  }

  it('a patient registers, books, waits; the clinician admits; they meet, reconnect and end', async () => {
    const admin = await adminOf(t);
    const clinician: TestUser = await makeStaff(t.api, admin.token, 'clinician', 'Dr Ada Okafor', {
      schedule: null,
    });
    // Open all day in the browsers' zone, on a 5-minute grid: the first free slot starts within
    // 5 minutes, inside the 15 minutes a visit may be joined early.
    await publishSchedule(t.api, clinician.id, clinician.token, {
      ...ALWAYS_OPEN,
      timeZone: zone,
      slotMinutes: 5,
    });
    const rival = await makePatient(t.api, 'Robin Rival');
    const patientEmail = uniqueEmail('web-patient');

    // The clinician's day, open before anything is booked.
    const doctor = await openApp();
    await screen(doctor, '01-sign-in');
    await signIn(doctor, clinician);
    await doctor.getByText('No visits today.').waitFor();

    // The patient registers.
    const patient = await openApp();
    await patient.getByRole('button', { name: 'Create an account' }).click();
    await patient.getByLabel('Your name').fill('Sam Rivera');
    await patient.getByLabel('Email').fill(patientEmail);
    await patient.getByLabel('Password').fill(PASSWORD);
    await screen(patient, '02-register');
    await patient.getByRole('button', { name: 'Create account' }).click();
    await patient.getByTestId('who').waitFor();
    await expect(patient.getByTestId('who').textContent()).resolves.toBe('Sam Rivera');
    await screen(patient, '03-patient-no-visits');

    // The slot picker, live: a slot someone else takes meanwhile disappears from it; then the
    // first free slot is held and booked.
    await patient.getByRole('link', { name: 'Book a visit' }).click();
    await patient.getByLabel('Clinician').selectOption({ label: 'Dr Ada Okafor' });
    const slotButtons = patient.getByRole('group', { name: 'Free times' }).getByRole('button');
    const secondSlot = await slotButtons.nth(1).textContent();
    const [, second] = (
      await t.api.get(
        `/api/clinicians/${clinician.id}/slots?${new URLSearchParams({
          from: new Date().toISOString(),
          to: new Date(Date.now() + 3_600_000).toISOString(),
        })}`,
        { token: rival.token },
      )
    ).body.items;
    expect(
      (
        await t.api.post(
          '/api/appointments',
          { clinicianId: clinician.id, ...second },
          { token: rival.token },
        )
      ).status,
    ).toBe(201);
    // Live: the time someone else booked goes from the picker without the patient doing anything.
    await patient
      .getByRole('group', { name: 'Free times' })
      .getByRole('button', { name: secondSlot!, exact: true })
      .waitFor({ state: 'detached' });
    await screen(patient, '04b-book-slot-taken-live');
    await slotButtons.first().click();
    await screen(patient, '04-book-slot-picker');
    await patient.getByRole('button', { name: /^Book: \d/ }).click();
    const patientVisit = patient.getByTestId('visits').locator('li').first();
    await patientVisit.getByText('Dr Ada Okafor').waitFor();
    await screen(patient, '05-patient-visits');

    // The clinician's presence, live on the patient's list.
    await doctor.getByLabel('My status').selectOption('away');
    await patientVisit.getByTestId('presence').getByText('Away').waitFor();
    await doctor.getByLabel('My status').selectOption('available');
    await patientVisit.getByTestId('presence').getByText('Online').waitFor();

    // The clinician's list shows it, live, with the patient's name.
    const doctorVisit = doctor.getByTestId('visits').locator('li', { hasText: 'Sam Rivera' });
    await doctorVisit.waitFor();
    await doctor.getByTestId('unread').getByText('2').waitFor();

    // The patient checks devices, joins early and waits.
    await patientVisit.getByRole('button', { name: /Join/ }).click();
    await patient.getByRole('button', { name: 'Join now' }).waitFor();
    await patient.waitForFunction(
      () => (document.querySelector<HTMLVideoElement>('video.preview')?.videoWidth ?? 0) > 0,
    );
    await screen(patient, '06-device-check');
    await patient.getByRole('button', { name: 'Join now' }).click();
    const waitingRoom = patient.getByTestId('waiting-room');
    await waitingRoom.getByText('Waiting for Dr Ada Okafor').waitFor();
    await expect(waitingRoom.textContent()).resolves.toContain('has been told you are here');
    await screen(patient, '07-waiting-room');

    // The clinician sees who waits, live, and admits.
    await doctorVisit.getByTestId('waiting').waitFor();
    await screen(doctor, '08-clinician-today-waiting');
    await doctorVisit.getByRole('button', { name: /Open and admit/ }).click();
    await doctor.getByRole('button', { name: 'Join now' }).click();
    await doctor.getByTestId('waiting-patient').getByText('Sam Rivera is waiting').waitFor();
    await screen(doctor, '09-clinician-admit');
    await doctor.getByRole('button', { name: 'Admit Sam Rivera' }).click();

    // Both see the other's video, name and state.
    for (const [page, other] of [
      [doctor, 'Sam Rivera'],
      [patient, 'Dr Ada Okafor'],
    ] as const) {
      await remoteVideoPlays(page, `after admit (${other})`);
      await page.getByTestId('peer-tile').getByText(other).waitFor();
      await peerState(page).getByText('Connected').waitFor({ timeout: 30_000 });
    }
    // Chat both ways, with names.
    await patient.getByLabel('Message').fill('Hello, my rash is worse today.');
    await patient.getByRole('button', { name: 'Send' }).click();
    const doctorChat = doctor.getByTestId('chat');
    await doctorChat.getByText('Hello, my rash is worse today.').waitFor();
    await expect(doctorChat.locator('li').last().textContent()).resolves.toContain('Sam Rivera');
    await doctor.getByLabel('Message').fill('Let me have a look.');
    await doctor.getByRole('button', { name: 'Send' }).click();
    const patientChat = patient.getByTestId('chat');
    await patientChat.getByText('Let me have a look.').waitFor();
    await expect(patientChat.locator('li').last().textContent()).resolves.toContain(
      'Dr Ada Okafor',
    );
    await expect(patient.getByLabel('Message').inputValue()).resolves.toBe('');
    await screen(doctor, '10-call-clinician');
    await screen(patient, '11-call-patient');

    // Mute and camera off are toggles a screen reader announces.
    await patient.getByRole('button', { name: 'Mute' }).click();
    await expect(
      patient.getByRole('button', { name: 'Unmute' }).getAttribute('aria-pressed'),
    ).resolves.toBe('true');
    await patient.getByTestId('self-tile').getByText('Muted').waitFor();
    await patient.getByRole('button', { name: 'Unmute' }).click();

    // The patient's network drops and comes back: reconnecting, then connected, no reload.
    await patient.context().setOffline(true);
    await peerState(doctor).getByText('Reconnecting…').waitFor({ timeout: 60_000 });
    await screen(doctor, '12-clinician-sees-reconnecting');
    await patient.context().setOffline(false);
    await peerState(doctor).getByText('Connected').waitFor({ timeout: 60_000 });
    await peerState(patient).getByText('Connected').waitFor({ timeout: 60_000 });

    // A reload mid-visit keeps the patient signed in and in the visit.
    await patient.reload();
    await patient.getByTestId('peer-tile').getByText('Dr Ada Okafor').waitFor();
    await remoteVideoPlays(patient, 'patient after reload');
    await patient.getByTestId('chat').getByText('Let me have a look.').waitFor();
    await peerState(doctor).getByText('Connected').waitFor({ timeout: 60_000 });
    await remoteVideoPlays(doctor, 'clinician after the patient reloaded');

    // The clinician ends; both are told, with a way back.
    await doctor.getByRole('button', { name: 'End visit' }).click();
    for (const page of [doctor, patient]) {
      await page.getByTestId('call-over').getByText('The visit has ended.').waitFor();
    }
    await screen(patient, '13-visit-ended');
    await patient.getByRole('link', { name: 'Back to my visits' }).click();
    await patientVisit.getByText('Completed').waitFor();

    expect(pageErrors).toEqual([]);
    expect(violations).toEqual([]);
    expect(foreign).toEqual([]);
  });

  /** Every peer tile's video plays: one connection per other participant (a mesh). */
  async function allRemoteVideosPlay(page: Page, count: number, step: string): Promise<void> {
    await page
      .waitForFunction(
        (n) => {
          const videos = Array.from(
            document.querySelectorAll<HTMLVideoElement>('[data-testid="peer-tile"] video'),
          );
          return videos.length === n && videos.every((v) => v.videoWidth > 0);
        },
        count,
        { timeout: 30_000 },
      )
      .catch((err: Error) => {
        throw new Error(`${step}: not every remote video played (${err.message})`);
      });
  }

  // Awaits the server's guests (src/invites, src/signaling: PRODUCT §9); built to the contract.
  it('the clinician invites an interpreter, who joins by link, is admitted after the patient, and is removed', async () => {
    const visit = await makeVisit(t, {
      row: { startsAt: new Date(Date.now() - 60_000), endsAt: new Date(Date.now() + 30 * 60_000) },
      patientName: 'Lina Park',
      clinicianName: 'Dr Omar Said',
    });
    const doctor = await openApp();
    await signIn(doctor, visit.clinician);
    await doctor
      .getByTestId('visits')
      .locator('li', { hasText: 'Lina Park' })
      .getByRole('button', { name: /Join/ })
      .click();
    await doctor.getByRole('button', { name: 'Join now' }).click();

    // The invite: a role, a name, a link to copy; a second one is revoked.
    const invites = doctor.getByRole('region', { name: 'Invite someone' });
    await invites.getByLabel('Role').selectOption('caregiver');
    await invites.getByLabel('Their name').fill('Kim Lee');
    await invites.getByRole('button', { name: 'Create invite link' }).click();
    const revokedLink = await invites.getByTestId('invite-link').inputValue();
    await invites.getByRole('button', { name: 'Revoke the invite for Kim Lee' }).click();
    await invites
      .getByRole('button', { name: 'Revoke the invite for Kim Lee' })
      .waitFor({ state: 'detached' });
    await invites.getByLabel('Role').selectOption('interpreter');
    await invites.getByLabel('Their name').fill('Ines Duarte');
    await invites.getByRole('button', { name: 'Create invite link' }).click();
    // The link shown is the new invite's once the service has answered.
    await doctor.waitForFunction(
      (old: string) =>
        document.querySelector<HTMLInputElement>('[data-testid="invite-link"]')?.value !== old,
      revokedLink,
    );
    const link = await invites.getByTestId('invite-link').inputValue();
    expect(link).toMatch(new RegExp(`^${t.baseUrl}/app/#/invite/[^/]+$`));
    await invites.getByTestId('invites').getByText('Ines Duarte (Interpreter)').waitFor();
    await screen(doctor, '18-clinician-invites');

    // The interpreter opens the link in a browser of their own: no account, no REST.
    const guestContext = await newContext();
    const guestRest: string[] = [];
    guestContext.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/api/') && url.pathname !== '/api/invites/redeem') {
        guestRest.push(url.pathname);
      }
    });
    const guest = await guestContext.newPage();
    guest.on('pageerror', (error) => pageErrors.push(error.message));
    await guest.goto(link);
    await guest.getByRole('button', { name: 'Join now' }).click();
    await guest.getByTestId('waiting-room').waitFor();
    await screen(guest, '19-guest-waiting-room');

    // The clinician sees the interpreter wait, but may admit them only after the patient.
    const waitingGuest = doctor.getByTestId('waiting-guest');
    await waitingGuest.getByText('Ines Duarte (Interpreter) is waiting').waitFor();
    await expect(
      doctor.getByRole('button', { name: 'Admit Ines Duarte' }).isDisabled(),
    ).resolves.toBe(true);

    const patient = await openApp();
    await signIn(patient, visit.patient);
    await patient
      .getByTestId('visits')
      .locator('li', { hasText: 'Dr Omar Said' })
      .getByRole('button', { name: /Join/ })
      .click();
    await patient.getByRole('button', { name: 'Join now' }).click();
    await patient.getByTestId('waiting-room').waitFor();
    await doctor.getByTestId('waiting-patient').getByText('Lina Park is waiting').waitFor();
    await screen(doctor, '20-clinician-patient-and-guest-waiting');
    await doctor.getByRole('button', { name: 'Admit Lina Park' }).click();
    await doctor.getByRole('button', { name: 'Admit Ines Duarte' }).click({ timeout: 30_000 });

    // Three people, three tiles each: two others (named, with their role) and oneself.
    const people = [
      [doctor, ['Lina Park', 'Ines Duarte']],
      [patient, ['Dr Omar Said', 'Ines Duarte']],
      [guest, ['Dr Omar Said', 'Lina Park']],
    ] as const;
    for (const [page, others] of people) {
      for (const name of others) {
        await page.getByTestId('peer-tile').filter({ hasText: name }).waitFor();
      }
      await allRemoteVideosPlay(page, 2, `three-way (${others.join(', ')})`);
      await expect(page.getByTestId('self-tile').count()).resolves.toBe(1);
    }
    await doctor
      .getByTestId('peer-tile')
      .filter({ hasText: 'Ines Duarte' })
      .getByTestId('peer-role')
      .getByText('Interpreter')
      .waitFor();
    await patient
      .getByTestId('peer-tile')
      .filter({ hasText: 'Ines Duarte' })
      .getByTestId('peer-state')
      .getByText('Connected')
      .waitFor({ timeout: 30_000 });

    // The interpreter chats too, under their name.
    await guest.getByLabel('Message').fill('Hola, soy la intérprete.');
    await guest.getByRole('button', { name: 'Send' }).click();
    const doctorChat = doctor.getByTestId('chat');
    await doctorChat.getByText('Hola, soy la intérprete.').waitFor();
    await expect(doctorChat.locator('li').last().textContent()).resolves.toContain('Ines Duarte');
    await screen(doctor, '21-three-way-clinician');
    await screen(guest, '22-three-way-guest');

    // Removed: the interpreter is told so; the others see their tile say it.
    await doctor.getByRole('button', { name: 'Remove Ines Duarte' }).click();
    await guest
      .getByTestId('call-over')
      .getByText('The clinician removed you from the visit.')
      .waitFor();
    for (const page of [doctor, patient]) {
      await page
        .getByTestId('peer-tile')
        .filter({ hasText: 'Ines Duarte' })
        .getByTestId('peer-state')
        .getByText('Removed from the visit')
        .waitFor();
    }
    await screen(guest, '23-guest-removed');
    // The visit goes on for the two of them.
    await remoteVideoPlays(patient, 'patient after the interpreter was removed');
    await expect(
      invites.getByRole('button', { name: 'Revoke the invite for Ines Duarte' }).count(),
    ).resolves.toBe(0);

    expect(guestRest).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(violations).toEqual([]);
    expect(foreign).toEqual([]);
  });

  it('an invite link that is not valid (used, expired, revoked) says so, without a sign-in', async () => {
    const page = await (await newContext()).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${t.baseUrl}/app/#/invite/not-a-real-invite-token`);
    await page
      .getByTestId('invite-error')
      .getByText('This invite link is not valid any more')
      .waitFor();
    await expect(page.getByLabel('Password').count()).resolves.toBe(0);
    await screen(page, '24-invite-not-valid');
    expect(pageErrors).toEqual([]);
    expect(violations).toEqual([]);
  });

  it('the inbox shows, live, a reschedule the clinician made', async () => {
    const admin = await adminOf(t);
    const [patientUser, clinician] = await Promise.all([
      makePatient(t.api, 'Noor Haddad'),
      makeStaff(t.api, admin.token, 'clinician', 'Dr Lena Berg'),
    ]);
    const startsAt = new Date(minutesFromNow(120));
    await t.api.post(
      '/api/appointments',
      {
        clinicianId: clinician.id,
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 20 * 60_000).toISOString(),
      },
      { token: patientUser.token },
    );
    const patient = await openApp();
    await signIn(patient, patientUser);
    // Too early to join: the app says when the visit opens.
    await patient.getByRole('button', { name: /^Join/ }).click();
    await patient.getByRole('button', { name: 'Join now' }).click();
    await patient
      .getByTestId('call-error')
      .getByText(/This visit opens at .* \(in 1 h 4\d min\)/)
      .waitFor();
    await screen(patient, '14-too-early');
    await patient.getByRole('link', { name: 'Back to my visits' }).click();
    await patient.getByTestId('inbox-link').click();
    await patient.getByText('Nothing here yet.').waitFor();
    await screen(patient, '15-inbox-empty');

    const doctor = await openApp();
    await signIn(doctor, clinician);
    const visit = doctor.getByTestId('visits').locator('li').first();
    await visit.getByText('Noor Haddad').waitFor();
    await visit.getByRole('button', { name: 'Reschedule' }).click();
    await visit.getByLabel('Starts at').fill(await localInputIn(doctor, 3 * 60));
    await screen(doctor, '16-clinician-reschedule');
    await visit.getByRole('button', { name: 'Move the visit' }).click();

    await patient.getByTestId('inbox').getByText('Dr Lena Berg moved your visit to').waitFor();
    await expect(patient.getByTestId('unread').textContent()).resolves.toBe('1');
    await screen(patient, '17-inbox-rescheduled');
    await patient.getByRole('button', { name: 'Mark all as read' }).click();
    await patient.getByTestId('unread').getByText('0').waitFor();
    expect(violations).toEqual([]);
    expect(foreign).toEqual([]);
  });

  it('offers push when the service has a VAPID key, and the service worker shows a push message as a notification', async () => {
    const context = await newContext();
    await context.grantPermissions(['notifications']);
    const page = await openApp(context);
    await signIn(page, await makePatient(t.api, 'Kim Push'));
    await page.getByTestId('inbox-link').click();
    await page.getByText('Nothing here yet.').waitFor();
    // The service has a VAPID key (made once under its data directory outside production).
    await page
      .getByTestId('push')
      .getByRole('button', { name: 'Notify me on this device when the app is closed' })
      .waitFor();

    const scope = await page.evaluate(async () => {
      await navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' });
      return (await navigator.serviceWorker.ready).scope;
    });
    expect(scope).toBe(`${t.baseUrl}/app/`);
    const cdp = await context.newCDPSession(page);
    const registered = new Promise<string>((resolve) =>
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
        const ours = registrations.find((r) => r.scopeURL === scope && !r.isDeleted);
        if (ours) {
          resolve(ours.registrationId);
        }
      }),
    );
    await cdp.send('ServiceWorker.enable');
    const message = {
      id: 'n1',
      type: 'appointment.rescheduled',
      title: 'Visit moved',
      body: 'Your visit with Dr Lena Berg was moved to 7 Jan at 09:00',
      url: `${t.baseUrl}/app/`,
      data: { appointmentId: '00000000-0000-4000-8000-000000000001' },
    };
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin: t.baseUrl,
      registrationId: await registered,
      data: JSON.stringify(message),
    });
    await page.waitForFunction(async () => {
      const registration = await navigator.serviceWorker.ready;
      const shown = await registration.getNotifications();
      return shown.some((n) => n.title === 'Visit moved' && n.body.includes('Dr Lena Berg'));
    });
    expect(violations).toEqual([]);
  });

  it('the API documentation renders under the same Content-Security-Policy', async () => {
    const page = await (await newContext()).newPage();
    const res = await page.goto(`${t.baseUrl}/api/docs`);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.waitForSelector('.swagger-ui .info .title', { timeout: 30_000 });
    await page.waitForSelector('.swagger-ui .opblock', { timeout: 30_000 });
    expect(await page.textContent('.swagger-ui .info .title')).toContain('Televisit');
    expect(violations).toEqual([]);
  });

  it('the web app refuses to be framed by another page, and /demo/ leads to it', async () => {
    const page = await (await newContext()).newPage();
    await page.goto(`${t.baseUrl}/demo/`);
    expect(page.url()).toBe(`${t.baseUrl}/app/`);
    const framed = violations.length;
    // The same origin even: frame-ancestors 'none' admits no one.
    await page.setContent(`<iframe id="f" src="${t.baseUrl}/app/"></iframe>`);
    await page.waitForTimeout(1000);
    const frame = page.frames().find((f) => f.url().includes('/app/'));
    const signInShown = await frame
      ?.$('input[name="email"]')
      .then((el) => el !== null)
      .catch(() => false);
    expect(signInShown ?? false).toBe(false);
    violations.splice(framed);
  });
});
