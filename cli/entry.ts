// Runs the CLI from sources (tests spawn it with `node --import tsx cli/entry.ts`); the bin runs the compiled twin.
import { run } from './main.js';

process.exitCode = await run(process.argv.slice(2));
