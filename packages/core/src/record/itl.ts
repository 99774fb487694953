// Inter-token latency (ITL) and time per output token (TPOT), from a request's content chunks.
//
// Definition used everywhere in routebench (see anchors-tools.md §4: tools disagree on what "ITL" means):
//
//   ITL is PER TOKEN. Each content chunk is [offsetMs from the first token, tokens in the chunk].
//   The gap between chunk j−1 and chunk j, when chunk j carries k tokens, contributes k samples of gap/k:
//   a server that batches 4 tokens per SSE frame 40 ms apart shows an ITL of 10 ms per token, the same as one
//   that sends 1 token every 10 ms — and the per-token distribution is weighted by tokens, not by frames.
//
//   Tokens beyond the first inside the FIRST chunk contribute no sample: they arrived together with the first
//   token, so their latency is already counted by TTFT (counting them as 0 ms gaps would drag ITL down).
//
//   Chunks with 0 tokens (role-only or usage-only frames) are not token arrivals: they produce no sample and the
//   next gap is measured from the last chunk that did carry tokens.
//
//   BUNCHED tokens: several SSE events read from the socket together share one arrival stamp (the client
//   cannot tell when each of them arrived; the server or the network coalesced them, or the client read
//   late). They form ONE arrival carrying all their tokens: the gap from the previous arrival is spread over
//   those tokens, exactly as for one chunk carrying several tokens. Counting them as 0 ms gaps instead would
//   report a 0.0 ms median ITL on a loaded client. How many tokens arrived bunched is reported beside ITL
//   (forEachItlSample's return value; summary meta.client.bunchedTokenShare).
//
// TPOT is the per-request average over the decode phase: (E2E − TTFT) / (outputTokens − 1) — the vLLM
// definition (it excludes the first token). With the per-token ITL above, the token-weighted mean ITL of a
// request equals its TPOT when the first chunk carries one token and the last chunk ends the request.

/** [offset from the first token in ms, tokens carried by the chunk]. */
export type Chunk = readonly [offsetMs: number, tokens: number];

/**
 * Calls `visit(gapPerTokenMs, tokens, arrivalOffsetMs)` once per arrival that yields ITL samples; the arrival
 * (at `arrivalOffsetMs` from the first token) yields `tokens` samples of `gapPerTokenMs` each. An arrival is
 * every token-bearing chunk stamped at the same instant (one chunk, or several events read together). Returns
 * how many of the sampled tokens arrived bunched (in an arrival of more than one event). Allocation-free, so the
 * recorder can feed histograms with `recordValueWithCount`.
 */
export function forEachItlSample(chunks: readonly Chunk[], visit: (gapPerTokenMs: number, tokens: number, arrivalOffsetMs: number) => void): number {
  let prevOffset = Number.NaN; // NaN until the first token-bearing arrival is seen
  let bunched = 0;
  let j = 0;
  while (j < chunks.length) {
    const offset = chunks[j][0];
    let tokens = 0;
    let events = 0;
    for (; j < chunks.length && chunks[j][0] === offset; j++) {
      const k = chunks[j][1];
      if (k > 0) {
        tokens += k;
        events++;
      }
    }
    if (!(tokens > 0)) continue;
    if (Number.isNaN(prevOffset)) {
      prevOffset = offset; // first token(s): covered by TTFT
      continue;
    }
    // Clock steps backwards cannot happen on a monotonic clock, but a reordered record must not yield negatives.
    const gap = Math.max(0, offset - prevOffset);
    visit(gap / tokens, tokens, offset);
    if (events > 1) bunched += tokens;
    prevOffset = offset;
  }
  return bunched;
}

/** Tokens that yield ITL samples and how many of them arrived bunched (see the definition at the top). */
export function bunchedTokens(chunks: readonly Chunk[]): { itlTokens: number; bunched: number } {
  let itlTokens = 0;
  const bunched = forEachItlSample(chunks, (_g, k) => (itlTokens += k));
  return { itlTokens, bunched };
}

/** ITL samples in ms, one per token after the first chunk (see the definition at the top of this file). */
export function itlSamples(chunks: readonly Chunk[]): number[] {
  const out: number[] = [];
  forEachItlSample(chunks, (gap, k) => {
    for (let i = 0; i < k; i++) out.push(gap);
  });
  return out;
}

/** Token-weighted mean ITL of one request in ms, null when there is no sample (fewer than 2 token arrivals). */
export function itlMeanMs(chunks: readonly Chunk[]): number | null {
  let sum = 0;
  let n = 0;
  forEachItlSample(chunks, (gap, k) => {
    sum += gap * k;
    n += k;
  });
  return n === 0 ? null : sum / n;
}

/** (E2E − TTFT) / (outputTokens − 1); null when undefined (no first token, fewer than 2 output tokens). */
export function tpotMs(e2eMs: number | null, ttftMs: number | null, outputTokens: number | null): number | null {
  if (e2eMs === null || ttftMs === null || outputTokens === null) return null;
  if (!(outputTokens >= 2)) return null;
  return Math.max(0, e2eMs - ttftMs) / (outputTokens - 1);
}
