#!/usr/bin/env node
// The package's bin: registers tsx (the project runs TypeScript directly, no build) and runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exit(await main(process.argv.slice(2)));
