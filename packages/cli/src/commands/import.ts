// `routebench import inference-perf DIR --out RUN` and `routebench import llmd-report FILE --out RUN`: runs made by
// other tools as routebench run folders, so `compare`, `judge` and `report` read them like our own. (Converting an
// inference-perf *config* into a scenario to run is a different thing: the library function
// importInferencePerf() of @routebench/scenarios, packages/scenarios/src/import/inference-perf.ts.)
import { Command, Option } from 'commander';
import { importInferencePerfRun, importLlmdReport, type ImportResult } from '@routebench/core';
import { UsageError } from '../exit-codes.ts';

function report(r: ImportResult): void {
  const c = r.summary.counts;
  const what = r.source.perRequest ? `${r.records} per-request records` : 'aggregate figures only (no per-request records in the source)';
  process.stdout.write(`${r.outDir}: imported ${r.source.tool} (${r.source.format}): ${what}; ${c.sent} requests (${c.ok} ok, ${c.error} errors)\n`);
  if (r.source.requestIds) process.stdout.write(`request ids: ${r.source.requestIds}\n`);
  for (const n of r.source.notes) process.stdout.write(`note: ${n}\n`);
}

export function importCommand(): Command {
  const cmd = new Command('import').description('turn a run made by another tool (inference-perf, an llm-d-benchmark report) into a routebench run folder');
  cmd.addCommand(
    new Command('inference-perf')
      .description('import an inference-perf report folder (per_request_lifecycle_metrics.json → requests.jsonl; else the summary reports)')
      .argument('<dir>', 'the folder inference-perf wrote its reports to')
      .requiredOption('--out <run>', 'run folder to write')
      .option('--force', 'overwrite a run already in --out')
      .option('--prefix <prefix>', "inference-perf's report_file_prefix, when the folder holds reports of several runs")
      .addOption(
        new Option('--request-ids <from>', 'request ids: the x-request-id vLLM echoes in its response id (chatcmpl-<id>), or made up').choices(['response-id', 'synthesized']).default('response-id'),
      )
      .option('--started-at <iso>', 'wall-clock time of the first request (inference-perf records none; default: from the report file time)')
      .action(async (dir: string, flags: { out: string; force?: boolean; prefix?: string; requestIds: 'response-id' | 'synthesized'; startedAt?: string }) => {
        if (flags.startedAt !== undefined && Number.isNaN(Date.parse(flags.startedAt))) throw new UsageError(`--started-at: not a date-time: ${flags.startedAt}`, '--started-at');
        report(
          await importInferencePerfRun(dir, flags.out, {
            force: flags.force,
            prefix: flags.prefix,
            requestIds: flags.requestIds,
            ...(flags.startedAt !== undefined ? { startedAt: flags.startedAt } : {}),
          }),
        );
      }),
  );
  cmd.addCommand(
    new Command('llmd-report')
      .description('import an llm-d-benchmark Benchmark Report (v0.2 / v0.2.1, YAML or JSON): aggregate figures only')
      .argument('<file>', 'the benchmark report file')
      .requiredOption('--out <run>', 'run folder to write')
      .option('--force', 'overwrite a run already in --out')
      .action(async (file: string, flags: { out: string; force?: boolean }) => {
        report(await importLlmdReport(file, flags.out, { force: flags.force }));
      }),
  );
  return cmd;
}
