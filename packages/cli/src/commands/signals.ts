// Ctrl-C / SIGTERM during a run: the first stops sending and lets in-flight requests drain (results
// are still written), the second quits at once (requests.jsonl keeps every finished request).
export async function withSignalStop<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(`\n${sig}: stopping — no new requests; waiting for in-flight ones, then writing results (again to quit at once)\n`);
      ac.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(ac.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
