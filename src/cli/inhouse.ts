import { currentContext, exitLike, followParent, relaunchCapped, wantsArenaCap } from './arenaCap';

/**
 * The `inhouse` executable (dist/cli.js). `index` runs in a child with glibc's malloc arenas
 * capped (see arenaCap.ts); this file stays small and loads the CLI itself only where it
 * runs, so the waiting parent costs ≈40 MB and ≈60 ms, not the whole bundle.
 */
const argv = process.argv.slice(2);
if (wantsArenaCap(argv, currentContext())) {
  relaunchCapped(process.argv[1], argv).then(exitLike, (err: Error) => {
    process.stderr.write(`inhouse: could not start the indexing process (${err.message}); set MALLOC_ARENA_MAX=2 yourself to run without it.\n`);
    process.exitCode = 1;
  });
} else {
  followParent();
  // Loaded here, not imported: the relaunching parent never evaluates the CLI.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('./main') as typeof import('./main')).main(argv);
}
