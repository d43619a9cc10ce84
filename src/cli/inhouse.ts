import { currentContext, runWithArenaCap, wantsArenaCap } from './arenaCap';

/**
 * The `inhouse` executable (dist/cli.js). `index` runs in a child with glibc's malloc arenas
 * capped (see arenaCap.ts); this file stays small and loads the CLI itself only where it
 * runs, so the waiting parent costs ≈46 MB and ≈0.1 s, not the whole bundle.
 */
const argv = process.argv.slice(2);
runWithArenaCap(
  wantsArenaCap(argv, currentContext()),
  process.argv[1],
  argv,
  // Loaded here, not imported: the relaunching parent never evaluates the CLI.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  () => (require('./main') as typeof import('./main')).main(argv),
  'inhouse',
);
