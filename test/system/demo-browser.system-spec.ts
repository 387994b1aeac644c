import { Browser, chromium, Page } from 'playwright-core';
import { startTestApp, TestApp } from '../support/test-app';
import { makeVisit } from '../support/visits';
import type { TestUser } from '../support/factories';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** An IANA zone where it is around midday now, so "today's visits" never straddles midnight. */
function middayZone(): string {
  const offset = 12 - new Date().getUTCHours();
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

/**
 * The demo page, twice in headless Chromium with fake camera and microphone: the patient waits,
 * the clinician admits, and both pages reach `connected` with the other's video playing.
 */
describe('the demo page in a real browser (system)', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
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
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function openAs(user: TestUser): Promise<Page> {
    const context = await browser.newContext({
      timezoneId: middayZone(),
      permissions: ['camera', 'microphone'],
    });
    const page = await context.newPage();
    page.on('pageerror', (error) => process.stdout.write(`page error: ${error.message}\n`));
    await page.goto(`${t.baseUrl}/demo/`);
    await page.fill('#email', user.email);
    await page.fill('#password', user.password);
    await page.click('#login');
    return page;
  }

  it('patient and clinician meet: the call connects with remote video on both sides', async () => {
    const visit = await makeVisit(t);
    const clinician = await openAs(visit.clinician);
    const patient = await openAs(visit.patient);
    const join = `[data-join="${visit.appointmentId}"]`;

    await clinician.click(join);
    await patient.click(join);
    await patient.waitForFunction(
      () => document.querySelector('#call-state')?.textContent === 'waiting',
    );
    await clinician.waitForSelector('#admit:not([hidden])');
    const admittedAt = performance.now();
    await clinician.click('#admit');

    for (const page of [clinician, patient]) {
      await page.waitForFunction(
        () => document.querySelector('#call-state')?.textContent === 'connected',
        undefined,
        { timeout: 30_000 },
      );
    }
    process.stdout.write(
      `admit → connected (two Chromium pages): ${(performance.now() - admittedAt).toFixed(0)} ms\n`,
    );
    for (const page of [clinician, patient]) {
      await page.waitForFunction(
        () => {
          const video = document.querySelector<HTMLVideoElement>('#remote-video');
          const stream = video?.srcObject as MediaStream | null | undefined;
          return Boolean(stream && stream.getVideoTracks().length > 0 && video!.videoWidth > 0);
        },
        undefined,
        { timeout: 30_000 },
      );
    }
  });
});
