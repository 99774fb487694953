#!/usr/bin/env node
// The published package's bin (dist/bin.js, plain node, no tsx). In the repo, bin/routebench.mjs runs the sources.
import { main } from './main.ts';

process.exit(await main(process.argv.slice(2)));
