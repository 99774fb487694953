// The `routebench` command.
import { Command, CommanderError } from 'commander';
import { EXIT, UsageError } from './exit-codes.ts';
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

export function buildProgram(): Command {
  const program = new Command('routebench')
    .description('load generation and routing verdicts for llm-d inference gateways (embedded simulator by default)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const cmd of [runCommand(), tableCommand(), simCommand(), scenariosCommand(), compareCommand(), mergeCommand(), reportCommand(), summarizeCommand(), exportCommand(), k8sCommand()]) {
    program.addCommand(cmd.exitOverride().showHelpAfterError('(run with --help for usage)'));
  }
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
    const err = e as Error;
    if (err instanceof UsageError || /^(invalid|unknown|scenario|.*: expected)/i.test(err.message) || err.name === 'ZodError') {
      process.stderr.write(`routebench: ${err.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`routebench: run failed: ${err.stack ?? err.message}\n`);
    return EXIT.runError;
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const code = await main(process.argv.slice(2));
  process.exit(code);
}
