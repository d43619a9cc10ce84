import { statSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeSetting } from '../config';
import { libraryNameProblem, suggestLibraryName } from '../indexing/indexRoots';
import type { Services } from '../services';

export interface AddLibraryResult {
  added: boolean;
  name?: string;
  folder?: string;
  /** Why nothing was added (also shown to the user). */
  problem?: string;
}

function folderProblem(folder: string, libraries: Record<string, string>): string | undefined {
  try {
    if (!statSync(folder).isDirectory()) return `${folder} is not a folder.`;
  } catch {
    return `${folder} does not exist.`;
  }
  const same = Object.entries(libraries).find(([, p]) => path.resolve(p) === path.resolve(folder));
  if (same) return `${folder} is already in inhouse.libraries as "${same[0]}".`;
  const inside = (vscode.workspace.workspaceFolders ?? []).find((f) => {
    const root = f.uri.fsPath;
    return folder === root || folder.startsWith(root + path.sep);
  });
  if (inside) return `${folder} is inside the workspace folder ${inside.uri.fsPath}, which is indexed already.`;
  return undefined;
}

/**
 * Add Internal Library: a folder picker, then a name (validated: not a reserved source,
 * unique), then the pair goes into inhouse.libraries in the workspace settings, whose change
 * starts a reindex. `args` skips the pickers (scripts, tests); problems are then returned
 * rather than asked about again.
 */
export async function addLibrary(s: Services, args?: { folder?: string; name?: string }): Promise<AddLibraryResult> {
  const libraries = { ...s.settings().libraries };
  const scripted = args?.folder !== undefined;
  let folder = args?.folder;
  if (!folder) {
    const picked = await vscode.window.showOpenDialog({
      title: 'InHouse: Add Internal Library',
      openLabel: 'Index This Library',
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
    });
    if (!picked?.length) return { added: false };
    if (picked[0].scheme !== 'file') return fail('InHouse indexes local folders only; pick a folder on this machine.');
    folder = picked[0].fsPath;
  }
  folder = path.resolve(folder);
  const problem = folderProblem(folder, libraries);
  if (problem) return fail(problem);

  let name = args?.name;
  if (scripted) {
    const nameProblem = libraryNameProblem(name ?? '', Object.keys(libraries));
    if (nameProblem) return fail(nameProblem);
  } else {
    name = await vscode.window.showInputBox({
      title: 'InHouse: Add Internal Library',
      prompt: `A short name for ${folder}; search results from it are labelled with it.`,
      value: suggestLibraryName(folder, Object.keys(libraries)),
      validateInput: (v) => libraryNameProblem(v, Object.keys(libraries)),
    });
    if (name === undefined) return { added: false };
  }
  name = name!.trim();
  libraries[name] = folder;
  const target = vscode.workspace.workspaceFolders?.length ? 'workspace' : 'user';
  try {
    await writeSetting('libraries', libraries, target);
  } catch (err) {
    return fail(`Could not write inhouse.libraries: ${(err as Error).message}`);
  }
  s.log.info(`Added library "${name}" (${folder}) to inhouse.libraries (${target} settings).`);
  if (!scripted) void vscode.window.showInformationMessage(`InHouse: added library "${name}"; indexing it now.`);
  return { added: true, name, folder };

  function fail(message: string): AddLibraryResult {
    void vscode.window.showErrorMessage(`InHouse: ${message}`);
    return { added: false, problem: message };
  }
}
