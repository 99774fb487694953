// Runs the routebench CLI in-process (main(argv) returns the exit code), capturing what it writes to
// stdout and stderr, so tests see exactly what a user would.
import { main } from '../src/main.ts';

export async function runCli(args: string[]): Promise<{ code: number; out: string }> {
  const origOut = process.stdout.write.bind(process.stdout);
  const origErr = process.stderr.write.bind(process.stderr);
  const writes: string[] = [];
  const capture = ((chunk: string | Uint8Array) => {
    writes.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = capture;
  process.stderr.write = capture;
  try {
    return { code: await main(args), out: writes.join('') };
  } finally {
    process.stdout.write = origOut;
    process.stderr.write = origErr;
  }
}
