// Worker thread bootstrap, used only when core runs from source (workers.ts picks it when its own URL ends in .ts).
// The project runs TypeScript through tsx without a build, and a worker thread does not inherit its parent's loader
// hooks on Node 20 (execArgv `--import tsx` fails for a .ts entry), so the worker registers tsx itself, then loads
// the TypeScript worker. The built package (dist/) has no tsx and starts the compiled worker-main.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
