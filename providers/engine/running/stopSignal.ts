// The operator's "stop" (the first Ctrl-C of `pulumi up`, which the engine passes on to the provider
// as its Cancel call): a run finishes the hop it is in and starts no other. Never inside a step: a
// step cut short leaves a server half upgraded, while a hop that ends has been verified.
export interface StopSignal {
  requested(): boolean;
  /** Call `fn` once when a stop is requested (at once if it already was); returns an unsubscribe. */
  onRequest(fn: () => void): () => void;
}

export interface StopSource extends StopSignal {
  request(): void;
}

export function createStopSignal(): StopSource {
  let stopped = false;
  const listeners = new Set<() => void>();
  return {
    requested: () => stopped,
    request: () => {
      if (stopped) return;
      stopped = true;
      for (const fn of [...listeners]) fn();
      listeners.clear();
    },
    onRequest: (fn) => {
      if (stopped) {
        fn();
        return () => undefined;
      }
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

/** This process's stop: requested by the engine's Cancel (providerProcess.ts), read by every run. */
export const operatorStop: StopSource = createStopSignal();

/** What a run says the moment the operator asks it to stop: which hop still ends, which one never starts. */
export function stopAcknowledged(hop: string | undefined, next: string | undefined): string {
  const again = "Ctrl-C again ends pulumi at once: a step still running goes on on the host, and the next pulumi up waits for it and carries on.";
  if (!hop) return `Ctrl-C: stopping before the first hop; nothing more is started. ${again}`;
  const after = next ? `; hop ${next} is not started` : ", the last hop of the chain";
  return `Ctrl-C: stopping after this hop (${hop}): its steps run to their end and it is checked${after}. ${again}`;
}

/** The run's end when it stopped between hops as asked: what the server runs, and how to go on. */
export function stoppedBetweenHops(o: { label: string; done?: string; reached: string; next: string; to: string }): string {
  const where = o.done
    ? `stopped after hop ${o.done} as asked (Ctrl-C): the server runs ${o.reached}, checked by that hop`
    : `stopped before hop ${o.next} as asked (Ctrl-C): nothing was started, the server still runs ${o.reached}`;
  return `${o.label}: ${where}; hop ${o.next} was not started. Run pulumi up again to go on from ${o.reached} to ${o.to}.`;
}
