import { useState } from 'preact/hooks';
import { toLocalInput } from '../time';

export interface Chosen {
  startsAt: string;
  endsAt: string;
}

/**
 * Any start time and a length, in the person's own zone: for clinicians, who may see a patient
 * outside their published hours. Patients choose among free slots (TimeChooser).
 */
export function DateTimeForm({
  initial,
  label,
  onChoose,
}: {
  initial?: Date;
  label: string;
  onChoose: (chosen: Chosen) => void;
}) {
  const [start, setStart] = useState(
    toLocalInput(initial ?? new Date(Math.ceil(Date.now() / 900_000) * 900_000 + 3_600_000)),
  );
  const [minutes, setMinutes] = useState(20);
  return (
    <form
      class="time-chooser"
      onSubmit={(e) => {
        e.preventDefault();
        const startsAt = new Date(start);
        onChoose({
          startsAt: startsAt.toISOString(),
          endsAt: new Date(startsAt.getTime() + minutes * 60_000).toISOString(),
        });
      }}
    >
      <label>
        Starts at
        <input
          type="datetime-local"
          name="startsAt"
          required
          value={start}
          onInput={(e) => setStart(e.currentTarget.value)}
        />
      </label>
      <label>
        Length
        <select value={minutes} onChange={(e) => setMinutes(Number(e.currentTarget.value))}>
          {[10, 20, 30, 45, 60].map((m) => (
            <option key={m} value={m}>
              {m} minutes
            </option>
          ))}
        </select>
      </label>
      <button type="submit" class="primary">
        {label}
      </button>
    </form>
  );
}
