import { readFileSync } from 'node:fs';
import { WebSocket } from 'ws';

/** A socket of a load generator, with acks awaited by frame id. */
export class LoadSocket {
  private nextId = 0;
  private readonly pending = new Map<string, (frame: { event: string; data: any }) => void>();
  private readonly seen = new Set<string>();
  private readonly awaited = new Map<string, () => void>();
  onFrame: (frame: { event: string; data: any }) => void = () => undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw: Buffer) => {
      const frame = JSON.parse(raw.toString('utf8')) as { event: string; data: any };
      const id = frame.data?.id as string | undefined;
      if ((frame.event === 'ack' || frame.event === 'error') && id && this.pending.has(id)) {
        this.pending.get(id)?.(frame);
        this.pending.delete(id);
        return;
      }
      this.seen.add(frame.event);
      this.awaited.get(frame.event)?.();
      this.onFrame(frame);
    });
  }

  static open(
    url: string,
    options: { token?: string; localAddress?: string } = {},
  ): Promise<LoadSocket> {
    const ws = new WebSocket(url, {
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
      perMessageDeflate: false,
      localAddress: options.localAddress,
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new LoadSocket(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused: ${res.statusCode}`)),
      );
    });
  }

  /** Resolves once a frame of this event has arrived (at once if one already has). */
  arrival(event: string): Promise<void> {
    if (this.seen.has(event)) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.awaited.set(event, resolve));
  }

  send(text: string): void {
    this.ws.send(text);
  }

  async request(event: string, data: object): Promise<any> {
    const id = `r${this.nextId++}`;
    const answer = new Promise<{ event: string; data: any }>((resolve) =>
      this.pending.set(id, resolve),
    );
    this.ws.send(JSON.stringify({ event, data, id }));
    const frame = await answer;
    if (frame.event !== 'ack') {
      throw new Error(`${event} refused: ${JSON.stringify(frame.data)}`);
    }
    return frame.data;
  }
}

/** A visit on Televisit, with a token for each participant. */
export interface CallVisit {
  appointmentId: string;
  patientToken: string;
  clinicianToken: string;
}

/**
 * Puts a visit in a call: both participants connect and join, the clinician admits (unless the
 * visit is under way already), and both are told of each other (across instances the patient's learns of the admit a moment after
 * the clinician's ack), so signals can flow.
 */
export async function inCall(visit: CallVisit, patientUrl: string, clinicianUrl = patientUrl) {
  const ref = { appointmentId: visit.appointmentId };
  const patient = await LoadSocket.open(wsUrl(patientUrl, '/ws'), { token: visit.patientToken });
  const clinician = await LoadSocket.open(wsUrl(clinicianUrl, '/ws'), {
    token: visit.clinicianToken,
  });
  const joined = [patient.arrival('session.peer-joined'), clinician.arrival('session.peer-joined')];
  const { state } = await patient.request('session.join', ref);
  await clinician.request('session.join', ref);
  // A visit already under way (an earlier round's) takes its patient straight back in.
  if (state !== 'admitted') {
    await clinician.request('session.admit', ref);
  }
  await Promise.all(joined);
  return { patient, clinician };
}

export function wsUrl(base: string, query = ''): string {
  return `${base.replace(/^http/, 'ws')}${query}`;
}

/** Runs `work` over `items`, at most `limit` at a time. */
export async function inBatches<T>(
  items: T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index], index);
      }
    }),
  );
}

/** The generator's input, written to a file by the orchestrator (too big for the environment). */
export function input<T>(): T {
  return JSON.parse(readFileSync(process.env.BENCH_INPUT_FILE ?? '', 'utf8')) as T;
}
