// Entry of a bench client process: `node --import tsx --expose-gc bench/client-case.ts '<case JSON>'`.
// Runs one case (cases.ts) with routebench's real client and sends the result to the parent over IPC.
// One process per case keeps RSS, CPU and --cpu-prof profiles free of the other cases.
import { ClientCaseSchema, type ClientCase } from './cases.ts';
import { measureCapacity, measureFidelity, measureLongRun, measureOpenStreams, measureSchedule } from './measure.ts';

function measure(c: ClientCase): Promise<unknown> {
  switch (c.kind) {
    case 'capacity':
      return measureCapacity(c);
    case 'fidelity':
      return measureFidelity(c);
    case 'schedule':
      return measureSchedule(c);
    case 'open-streams':
      return measureOpenStreams(c);
    case 'long-run':
      return measureLongRun(c);
  }
}

const send = (msg: unknown) =>
  new Promise<void>((resolve) => {
    if (process.send) process.send(msg, () => resolve());
    else {
      process.stdout.write(`${JSON.stringify(msg)}\n`);
      resolve();
    }
  });

try {
  const parsed = ClientCaseSchema.safeParse(JSON.parse(process.argv[2] ?? 'null'));
  if (!parsed.success) throw new Error(`bad case: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  await send({ ok: true, result: await measure(parsed.data) });
} catch (err) {
  await send({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
}
// Exit explicitly (a --cpu-prof profile is still written): a case must not hang the suite on a stray handle.
process.exit(0);
