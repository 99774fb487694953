// @routebench/cli — the `routebench` command as a function: main(argv) runs it and resolves to the exit code
// (exit-codes.ts), buildProgram() gives its commander program (for help text or embedding).
export { main, buildProgram } from './main.ts';
export { EXIT } from './exit-codes.ts';
