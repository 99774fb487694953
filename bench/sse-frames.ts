// Pre-serialised responses of the bench SSE server: every byte of a streaming chat completion is built
// once per token count and cached, so the server spends its CPU on writing, not on JSON.stringify — the
// benchmark must measure the client, not the server's serialisation.
//
// Frames follow vLLM's chat streaming with `continuous_usage_stats`: a role-only first chunk (usage 0),
// one content chunk per token carrying the running usage (the last one with finish_reason "length"),
// a usage-only chunk (`choices: []`), then `data: [DONE]`.

const PROMPT_TOKENS = 8;

function chunkJson(choices: unknown[], completion: number): string {
  return JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 1700000000,
    model: 'm',
    choices,
    usage: { prompt_tokens: PROMPT_TOKENS, total_tokens: PROMPT_TOKENS + completion, completion_tokens: completion },
  });
}

const sse = (json: string) => `data: ${json}\n\n`;

/** The SSE body text as a list of events: [role, content 1..n, usage, done]. */
export function sseEvents(tokens: number): { role: string; content: string[]; tail: string } {
  const role = sse(chunkJson([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }], 0));
  const content: string[] = [];
  for (let j = 1; j <= tokens; j++) {
    const finish = j === tokens ? 'length' : null;
    content.push(sse(chunkJson([{ index: 0, delta: { content: ' tok' }, logprobs: null, finish_reason: finish }], j)));
  }
  const tail = sse(chunkJson([], tokens)) + 'data: [DONE]\n\n';
  return { role, content, tail };
}

/** One HTTP/1.1 chunked-transfer chunk. */
function httpChunk(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`, 'latin1'), body, Buffer.from('\r\n', 'latin1')]);
}

const STREAM_HEAD =
  'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n';

export interface StreamedResponse {
  /** Status line + headers + the role chunk: written the moment the request is read. */
  head: Buffer;
  /** Content chunk j (0-based) as a chunked-encoding piece; the last one also carries usage, [DONE] and the terminator. */
  content: Buffer[];
}

export interface Prebuilt {
  /** The whole response (headers with content-length + body) for zero-delay streams: one write. */
  whole: Buffer;
  streamed: StreamedResponse;
}

const cache = new Map<number, Prebuilt>();

export function prebuilt(tokens: number): Prebuilt {
  let p = cache.get(tokens);
  if (p) return p;
  const ev = sseEvents(tokens);
  const body = Buffer.from(ev.role + ev.content.join('') + ev.tail, 'utf8');
  const whole = Buffer.concat([
    Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ncontent-length: ${body.length}\r\n\r\n`, 'latin1'),
    body,
  ]);
  const content = ev.content.map((c, j) =>
    j === ev.content.length - 1 ? Buffer.concat([httpChunk(c), httpChunk(ev.tail), Buffer.from('0\r\n\r\n', 'latin1')]) : httpChunk(c),
  );
  p = { whole, streamed: { head: Buffer.concat([Buffer.from(STREAM_HEAD, 'latin1'), httpChunk(ev.role)]), content } };
  cache.set(tokens, p);
  return p;
}
