// Why a command cannot run now, and what a failure means to the user: pure functions (no
// `vscode`), unit-tested in plain Node. Every message names the command or setting that fixes it.
import { OllamaError } from '../../engine/llm/ollamaClient';
import { QueryError } from '../../engine/retrieval/queryText';
import { IndexError } from '../../engine/store/indexStore';
import type { FixId } from '../status/statusView';
import type { IndexState } from '../status/statusModel';

/** What a command needs: a trusted workspace, something to index, a usable index. */
export type Need = 'trusted' | 'roots' | 'index';

export interface Unavailable {
  message: string;
  fixes: FixId[];
}

export interface Facts {
  trusted: boolean;
  index: IndexState;
  /** The team's shared index is open: there is something to search without a local index. */
  sharedReady?: boolean;
}

/** The first unmet need of `title`, as a message and fixes; undefined when it can run. */
export function unavailable(title: string, needs: readonly Need[], facts: Facts): Unavailable | undefined {
  for (const need of needs) {
    if (need === 'trusted' && (!facts.trusted || facts.index.kind === 'untrusted')) {
      return {
        message: `${title} is unavailable: this workspace is not trusted, so InHouse does not index it or call a model. Trust it with "Workspaces: Manage Workspace Trust".`,
        fixes: ['trustWorkspace'],
      };
    }
    if ((need === 'roots' || (need === 'index' && !facts.sharedReady)) && facts.index.kind === 'no-folder') {
      return {
        message: `${title} is unavailable: no folder is open and inhouse.libraries is empty, so there is nothing indexed. Open a folder, or run "InHouse: Add Internal Library".`,
        fixes: ['openFolder', 'addLibrary'],
      };
    }
    if (need === 'index' && facts.index.kind === 'error') {
      return {
        message: `${title} is unavailable: the index could not be built (${facts.index.message}). Run "InHouse: Reindex", or see "InHouse: Open Logs".`,
        fixes: ['reindex', 'openLogs'],
      };
    }
  }
  return undefined;
}

/**
 * A failure as the user should read it: the engine's own messages already name the fix,
 * except that "run `inhouse index`" (the CLI) means "InHouse: Reindex" here.
 */
export function describeFailure(err: unknown, facts?: Pick<Facts, 'index'>): Unavailable {
  if (err instanceof IndexError && err.code === 'not-found') {
    const busy = facts && (facts.index.kind === 'indexing' || facts.index.kind === 'starting');
    return {
      message: busy
        ? 'The index is not built yet: InHouse is indexing now. Try again when the status bar shows the chunk count.'
        : 'The index is not built yet. Run "InHouse: Reindex".',
      fixes: busy ? ['showIndexStatus'] : ['reindex'],
    };
  }
  const message = (err instanceof Error ? err.message : String(err)).replace(/`inhouse index[^`]*`/g, '"InHouse: Reindex"');
  if (err instanceof IndexError) return { message, fixes: ['reindex', 'openLogs'] };
  if (err instanceof OllamaError) {
    const fixes: FixId[] =
      err.kind === 'unreachable' || err.kind === 'bad-host' || err.kind === 'timeout'
        ? ['startOllama', 'openHostSetting']
        : err.kind === 'model-missing' || err.kind === 'unsupported'
          ? ['selectModel']
          : err.kind === 'outdated'
            ? ['upgradeOllama']
            : ['openLogs'];
    return { message, fixes };
  }
  if (err instanceof QueryError) return { message, fixes: [] };
  return { message, fixes: ['openLogs'] };
}
