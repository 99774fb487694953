// Ctrl-C / SIGTERM during a run: the first stops sending and lets in-flight requests drain (results
// are still written), a later one quits at once (requests.jsonl keeps every finished request).
//
// One burst counts once: a signal within BURST_MS of the first is the same request to stop, not a second
// one. `npm run` forwards the SIGINT the terminal already sent to the whole process group, and `kill` of a
// wrapper plus its group (as CI runners and `timeout` do) delivers SIGTERM twice within milliseconds;
// counting those as two quit without summary.json.
export const BURST_MS = 1000;

export async function withSignalStop<T>(fn: (signal: AbortSignal) => Promise<T>, opts: { burstMs?: number } = {}): Promise<T> {
  const burstMs = opts.burstMs ?? BURST_MS;
  const ac = new AbortController();
  let firstAt: number | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    const now = performance.now();
    if (firstAt === null) {
      firstAt = now;
      process.stderr.write(`\n${sig}: stopping — no new requests; waiting for in-flight ones, then writing results (again after ${burstMs / 1000} s to quit at once)\n`);
      ac.abort();
    } else if (now - firstAt < burstMs) {
      // The same burst (npm's forward, the process group's copy): already stopping.
    } else {
      process.stderr.write(`\n${sig} again: quitting without waiting (requests.jsonl holds every finished request; \`routebench summarize\` rebuilds the summary)\n`);
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
