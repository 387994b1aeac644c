import { useEffect, useRef, useState } from 'preact/hooks';

const WORDS: Record<string, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  left: 'Left the visit',
  removed: 'Removed from the visit',
};

/** One person's video with their name, role and state. */
export function Tile({
  name,
  role,
  state,
  stream,
  self = false,
}: {
  name: string;
  /** In words ("Interpreter"); none for one's own tile. */
  role?: string;
  state: string;
  stream: MediaStream | null;
  self?: boolean;
}) {
  const video = useRef<HTMLVideoElement>(null);
  const [blocked, setBlocked] = useState(false);
  useEffect(() => {
    const element = video.current;
    if (element && element.srcObject !== stream) {
      element.srcObject = stream;
      if (stream) {
        // Autoplay with sound may be refused until the person touches the page.
        element.play().then(
          () => setBlocked(false),
          () => setBlocked(true),
        );
      }
    }
  }, [stream]);
  return (
    <figure
      class={`tile ${state}${self ? ' self' : ''}`}
      data-testid={self ? 'self-tile' : 'peer-tile'}
    >
      <video
        ref={video}
        autoPlay
        playsInline
        muted={self}
        aria-label={role ? `Video of ${name}, ${role}` : `Video of ${name}`}
      />
      {!stream && (
        <div class="no-video" aria-hidden="true">
          {name.slice(0, 1)}
        </div>
      )}
      {blocked && (
        <button
          class="play"
          onClick={() => void video.current?.play().then(() => setBlocked(false))}
        >
          Start video and sound
        </button>
      )}
      <figcaption>
        <span class="name">{name}</span>
        {role && (
          <span class="role" data-testid="peer-role">
            {role}
          </span>
        )}
        <span class="state" data-testid="peer-state">
          {WORDS[state] ?? state}
        </span>
      </figcaption>
    </figure>
  );
}
