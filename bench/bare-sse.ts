// The bare loop's reading of one streamed response (bench/bare-undici.ts, and the bare-undici floor of the memory
// section): cut the body into SSE events at blank lines and JSON.parse every `data:` payload except [DONE].
// No recording, no timing, no validation. Returns the events parsed.
export async function parseSseBody(body: AsyncIterable<unknown>): Promise<number> {
  let buf = '';
  let n = 0;
  for await (const chunk of body) {
    buf += (chunk as Buffer).toString('utf8');
    let cut: number;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const ev = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      if (!ev.startsWith('data: ')) continue;
      const data = ev.slice(6);
      if (data === '[DONE]') continue;
      JSON.parse(data);
      n++;
    }
  }
  return n;
}
