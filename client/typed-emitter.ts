type Handler<T> = (data: T) => void;

/** A minimal event emitter keyed by a map of event name → data, so handlers are typed. */
export class TypedEmitter<Events extends object> {
  private readonly handlers = new Map<PropertyKey, Set<Handler<never>>>();

  /** Returns a function that removes the handler again. */
  on<E extends keyof Events>(event: E, handler: Handler<Events[E]>): () => void {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    set.add(handler);
    return () => this.off(event, handler);
  }

  off<E extends keyof Events>(event: E, handler: Handler<Events[E]>): void {
    this.handlers.get(event)?.delete(handler);
  }

  once<E extends keyof Events>(event: E, handler: Handler<Events[E]>): () => void {
    const off = this.on(event, (data) => {
      off();
      handler(data);
    });
    return off;
  }

  protected emit<E extends keyof Events>(event: E, data: Events[E]): void {
    this.emitUnchecked(event, data);
  }

  /** For frames off the wire, whose event name is only known at run time. */
  protected emitUnchecked(event: PropertyKey, data: unknown): void {
    const set = this.handlers.get(event);
    if (!set) {
      return;
    }
    for (const handler of [...set]) {
      try {
        (handler as Handler<unknown>)(data);
      } catch (err) {
        // One faulty handler must not starve the others, nor the socket's read loop; rethrown
        // outside so it still surfaces as an uncaught error.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
