import { useEffect, useState } from 'preact/hooks';
import type { Appointment, Clinician, Page } from '../api';
import { navigate } from '../app';
import { TimeChooser, type Chosen } from '../components/time-chooser';
import { plainWords } from '../errors';
import { api } from '../session';
import { formatSpan } from '../time';

/** A patient picks a clinician and a time. */
export function BookScreen() {
  const [clinicians, setClinicians] = useState<Clinician[] | null>(null);
  const [clinicianId, setClinicianId] = useState('');
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState<{ error?: string; done?: string }>({});

  useEffect(() => {
    api<Page<Clinician>>('/api/clinicians?limit=100').then(
      (page) => {
        setClinicians(page.items);
        setClinicianId(page.items[0]?.id ?? '');
      },
      (err: unknown) => setMessage({ error: plainWords(err) }),
    );
  }, []);

  /** A refusal (the slot was taken meanwhile) goes back to the picker, which looks again. */
  async function book(chosen: Chosen, holdId?: string) {
    setMessage({});
    const booked = await api<Appointment>('/api/appointments', {
      method: 'POST',
      headers: { 'Idempotency-Key': crypto.randomUUID() },
      body: {
        clinicianId,
        ...chosen,
        ...(holdId ? { holdId } : {}),
        ...(reason ? { reason } : {}),
      },
    });
    setMessage({ done: `Booked: ${formatSpan(booked.startsAt, booked.endsAt)}.` });
    navigate('/');
  }

  return (
    <section class="card" aria-labelledby="book-title">
      <h1 id="book-title">Book a visit</h1>
      {clinicians === null && !message.error && <p>Loading clinicians…</p>}
      {clinicians?.length === 0 && <p>No clinician takes bookings at the moment.</p>}
      {clinicians && clinicians.length > 0 && (
        <>
          <label>
            Clinician
            <select value={clinicianId} onChange={(e) => setClinicianId(e.currentTarget.value)}>
              {clinicians.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.displayName}
                </option>
              ))}
            </select>
          </label>
          <label>
            Reason for the visit (optional)
            <input
              value={reason}
              maxLength={1000}
              onInput={(e) => setReason(e.currentTarget.value)}
            />
          </label>
          {clinicianId && (
            <TimeChooser
              key={clinicianId}
              clinicianId={clinicianId}
              holds
              label="Book"
              onChoose={book}
            />
          )}
        </>
      )}
      {message.error && (
        <p class="error" role="alert">
          {message.error}
        </p>
      )}
      {message.done && <p role="status">{message.done}</p>}
    </section>
  );
}
