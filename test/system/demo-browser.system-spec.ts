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
  /** Everything the Content-Security-Policy blocked, on any page, as the browser reported it. */
  const violations: string[] = [];

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

  /** A page whose CSP violations land in `violations`, reported by the page and the console. */
  async function newPage(options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> {
    const context = await browser.newContext(options);
    await context.exposeFunction('reportViolation', (text: string) => violations.push(text));
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        const report = (window as unknown as { reportViolation(text: string): void })
          .reportViolation;
        report(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`);
      });
    });
    const page = await context.newPage();
    page.on('pageerror', (error) => process.stdout.write(`page error: ${error.message}\n`));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) {
        violations.push(message.text());
      }
    });
    return page;
  }

  async function openAs(user: TestUser): Promise<Page> {
    const page = await newPage({
      timezoneId: middayZone(),
      permissions: ['camera', 'microphone'],
    });
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
    expect(violations).toEqual([]);
  });

  it('the API documentation renders under the same Content-Security-Policy', async () => {
    const page = await newPage();
    const res = await page.goto(`${t.baseUrl}/api/docs`);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.waitForSelector('.swagger-ui .info .title', { timeout: 30_000 });
    await page.waitForSelector('.swagger-ui .opblock', { timeout: 30_000 });
    expect(await page.textContent('.swagger-ui .info .title')).toContain('Televisit');
    expect(violations).toEqual([]);
  });

  it('the demo page refuses to be framed by another page', async () => {
    const page = await newPage();
    await page.goto(`${t.baseUrl}/health/live`);
    const framed = violations.length;
    // The same origin even: frame-ancestors 'none' admits no one.
    await page.setContent(`<iframe id="f" src="${t.baseUrl}/demo/"></iframe>`);
    await page.waitForTimeout(1000);
    const frame = page.frames().find((f) => f.url().includes('/demo/'));
    const loginShown = await frame
      ?.$('#login')
      .then((el) => el !== null)
      .catch(() => false);
    expect(loginShown ?? false).toBe(false);
    violations.splice(framed);
  });
});
