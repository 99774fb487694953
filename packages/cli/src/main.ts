// The `routebench` command.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { RoutebenchError } from '@routebench/core';
import { EXIT, EXIT_OF_CODE } from './exit-codes.ts';
import { runCommand } from './commands/run.ts';
import { simCommand } from './commands/sim.ts';
import { scenariosCommand } from './commands/scenarios.ts';
import { compareCommand } from './commands/compare.ts';
import { mergeCommand } from './commands/merge.ts';
import { reportCommand } from './commands/report.ts';
import { summarizeCommand } from './commands/summarize.ts';
import { tableCommand } from './commands/table.ts';
import { exportCommand } from './commands/export.ts';
import { k8sCommand } from './commands/k8s.ts';
import { doctorCommand } from './commands/doctor.ts';
import { sweepCommand } from './commands/sweep.ts';
import { importCommand } from './commands/import.ts';
import { judgeCommand } from './commands/judge.ts';
import { snapshotCommand } from './commands/snapshot.ts';

/** The cli package's version, read at run time: package.json is one level up from both src/main.ts and dist/main.js. */
export function cliVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command('routebench')
    .description('load generation and routing verdicts for llm-d inference gateways (embedded simulator by default)')
    .version(cliVersion())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const cmd of [runCommand(), tableCommand(), simCommand(), scenariosCommand(), compareCommand(), mergeCommand(), reportCommand(), summarizeCommand(), exportCommand(), k8sCommand(), doctorCommand(), importCommand(), sweepCommand(), judgeCommand(), snapshotCommand()]) {
    program.addCommand(cmd);
  }
  // Every command at every depth (k8s job too): commander must throw, not process.exit(1), so a bad flag is
  // exit 2 like everywhere else; and `routebench <cmd> [<sub>] --version` answers as `routebench --version` does.
  const walk = (cmd: Command) => {
    for (const sub of cmd.commands) {
      sub.exitOverride().showHelpAfterError('(run with --help for usage)').version(cliVersion());
      walk(sub);
    }
  };
  walk(program);
  return program;
}

/** Parse and run; returns the exit code (see exit-codes.ts). */
export async function main(argv: string[]): Promise<number> {
  process.exitCode = undefined;
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; everything else commander rejects is a usage error.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    // Decided on the error's code, never on its text.
    if (e instanceof RoutebenchError) {
      const code = EXIT_OF_CODE[e.code];
      process.stderr.write(code === EXIT.usage ? `routebench: ${e.message}\n` : `routebench: run failed (${e.code}): ${e.message}\n`);
      return code;
    }
    const err = e as Error;
    process.stderr.write(`routebench: run failed: ${err.stack ?? err.message}\n`);
    return EXIT.runError;
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const code = await main(process.argv.slice(2));
  process.exit(code);
}
