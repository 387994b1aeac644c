import { useEffect, useRef, useState } from 'preact/hooks';
import { plainWords } from '../errors';

export interface Devices {
  camera?: string;
  microphone?: string;
}

const KEY = 'televisit.devices';

export function keptDevices(): Devices {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '{}') as Devices;
  } catch {
    return {};
  }
}

export function openDevices(devices: Devices): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({
    video: devices.camera ? { deviceId: { exact: devices.camera } } : true,
    audio: devices.microphone ? { deviceId: { exact: devices.microphone } } : true,
  });
}

/** A short beep through the default output: can the person hear the other side? */
function testSpeaker(): void {
  const audio = new AudioContext();
  const tone = audio.createOscillator();
  tone.frequency.value = 440;
  tone.connect(audio.destination);
  tone.start();
  tone.stop(audio.currentTime + 0.6);
  tone.onended = () => void audio.close();
}

/**
 * Camera, microphone and speaker before joining: a preview, a level meter, the choice of
 * device. Hands the open stream to the call, so the camera is not opened twice.
 */
export function DeviceCheck({
  title,
  problem,
  onReady,
  back = true,
}: {
  title: string;
  /** A link back to the visits list (a guest has none). */
  back?: boolean;
  /** Why the last join did not work (too early, …), shown beside the button. */
  problem: string;
  /** Resolves true when the call took the stream; false leaves it here for another try. */
  onReady: (stream: MediaStream) => Promise<boolean>;
}) {
  const [devices, setDevices] = useState<Devices>(keptDevices);
  const [list, setList] = useState<MediaDeviceInfo[]>([]);
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [error, setError] = useState('');
  const [level, setLevel] = useState(0);
  const preview = useRef<HTMLVideoElement>(null);
  const handedOver = useRef(false);

  useEffect(() => {
    let opened: MediaStream | null = null;
    let stopped = false;
    openDevices(devices).then(
      async (s) => {
        if (stopped) {
          s.getTracks().forEach((t) => t.stop());
          return;
        }
        opened = s;
        setStream(s);
        setError('');
        setList(await navigator.mediaDevices.enumerateDevices());
      },
      (err: unknown) => setError(plainWords(err)),
    );
    return () => {
      stopped = true;
      if (opened && !handedOver.current) {
        opened.getTracks().forEach((t) => t.stop());
      }
    };
  }, [devices.camera, devices.microphone]);

  useEffect(() => {
    if (preview.current) {
      preview.current.srcObject = stream;
    }
    if (!stream || stream.getAudioTracks().length === 0) {
      return;
    }
    const audio = new AudioContext();
    const analyser = audio.createAnalyser();
    audio.createMediaStreamSource(stream).connect(analyser);
    const samples = new Uint8Array(analyser.fftSize);
    const timer = setInterval(() => {
      analyser.getByteTimeDomainData(samples);
      const peak = samples.reduce((max, v) => Math.max(max, Math.abs(v - 128)), 0);
      setLevel(Math.min(100, Math.round((peak / 128) * 100)));
    }, 200);
    return () => {
      clearInterval(timer);
      void audio.close();
    };
  }, [stream]);

  const choose = (kind: keyof Devices, id: string) => {
    const next = { ...devices, [kind]: id };
    localStorage.setItem(KEY, JSON.stringify(next));
    setDevices(next);
  };
  const options = (kind: MediaDeviceKind) => list.filter((d) => d.kind === kind);
  // Without a choice yet, the selects show the devices the browser picked.
  const inUse = (kind: 'video' | 'audio') =>
    stream
      ?.getTracks()
      .find((t) => t.kind === kind)
      ?.getSettings().deviceId ?? '';

  return (
    <section class="card device-check" aria-labelledby="check-title">
      <h1 id="check-title">{title}</h1>
      <p>Check your camera, microphone and speaker before you go in.</p>
      <video ref={preview} class="preview" autoPlay playsInline muted aria-label="Your camera" />
      {(error || problem) && (
        <p class="error" role="alert" data-testid="call-error">
          {error || problem}
        </p>
      )}
      <label>
        Camera
        <select
          value={devices.camera ?? inUse('video')}
          onChange={(e) => choose('camera', e.currentTarget.value)}
        >
          {options('videoinput').map((d, i) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label || `Camera ${i + 1}`}
            </option>
          ))}
        </select>
      </label>
      <label>
        Microphone
        <select
          value={devices.microphone ?? inUse('audio')}
          onChange={(e) => choose('microphone', e.currentTarget.value)}
        >
          {options('audioinput').map((d, i) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label || `Microphone ${i + 1}`}
            </option>
          ))}
        </select>
      </label>
      <div class="meter-row">
        <span id="level-label">Microphone level</span>
        <meter aria-labelledby="level-label" min={0} max={100} value={level} />
      </div>
      <div class="actions">
        <button onClick={testSpeaker}>Test speaker</button>
        <button
          class="primary"
          disabled={!stream}
          onClick={() => {
            handedOver.current = true;
            void onReady(stream!).then((taken) => (handedOver.current = taken));
          }}
        >
          Join now
        </button>
      </div>
      {back && (
        <p>
          <a href="#/">Back to my visits</a>
        </p>
      )}
    </section>
  );
}
