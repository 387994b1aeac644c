import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatMessage } from '../../../client/protocol';
import type { TelevisitSocket } from '../../../client/televisit-socket';
import { plainWords } from '../errors';
import { formatTime } from '../time';

/**
 * The visit's chat (PRODUCT §9), in the waiting room and in the call: the history on opening
 * and after a reconnect, then each message as it comes; one's own arrive like the others'.
 */
export function Chat({
  socket,
  appointmentId,
  me,
}: {
  socket: TelevisitSocket;
  appointmentId: string;
  me: string;
}) {
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    const add = (incoming: ChatMessage[]) =>
      setMessages((held) => {
        const byId = new Map(held.map((m) => [m.id, m]));
        incoming.forEach((m) => byId.set(m.id, m));
        return [...byId.values()].sort((a, b) => a.seq - b.seq);
      });
    const catchUp = () =>
      socket.chatHistory(appointmentId).then(add, (err: unknown) => setError(plainWords(err)));
    void catchUp();
    const offMessage = socket.on('chat.message', (m) => {
      if (m.appointmentId === appointmentId) {
        add([m]);
      }
    });
    const offReconnected = socket.on('reconnected', () => void catchUp());
    return () => {
      offMessage();
      offReconnected();
    };
  }, [socket, appointmentId]);

  useEffect(() => {
    // The newest message in view, without scrolling the page itself.
    if (list.current) {
      list.current.scrollTop = list.current.scrollHeight;
    }
  }, [messages.length]);

  async function send(event: Event) {
    event.preventDefault();
    const body = text.trim();
    if (!body) {
      return;
    }
    setError('');
    try {
      await socket.sendChat(appointmentId, body);
      setText('');
    } catch (err) {
      setError(plainWords(err));
    }
  }

  return (
    <section class="card chat" aria-labelledby="chat-title">
      <h2 id="chat-title">Chat</h2>
      <ol class="messages" ref={list} aria-live="polite" data-testid="chat">
        {messages.map((m) => (
          <li key={m.id} class={m.from === me ? 'mine' : ''}>
            <span class="from">{m.from === me ? 'You' : m.displayName}</span>{' '}
            <small>{formatTime(m.sentAt)}</small>
            <p>{m.text}</p>
          </li>
        ))}
      </ol>
      {messages.length === 0 && <p class="hint">No messages yet.</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <form class="row" onSubmit={(e) => void send(e)}>
        <label class="grow">
          Message
          <input
            value={text}
            maxLength={2000}
            onInput={(e) => setText(e.currentTarget.value)}
            autoComplete="off"
          />
        </label>
        <button type="submit" class="primary">
          Send
        </button>
      </form>
    </section>
  );
}
