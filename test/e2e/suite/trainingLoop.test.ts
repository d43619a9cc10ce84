// The house-model loop end to end in a real extension host: an inline completion is accepted,
// survives the 30 s edit-survival check, and comes out of "InHouse: Export Training Set" as a
// fill-in-the-middle training sample. Run alone with INHOUSE_E2E_GREP="training loop".
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { OllamaTestServer, standardModels } from '../../support/ollamaTestServer';
import { waitFor as waitForState } from './waitFor';

const EXTENSION_ID = 'inhouse.inhouse';
const MODEL = 'qwen2.5-coder:1.5b';
/** What the scripted model fills in: distinctive, so the sample is unmistakable. */
const ACCEPTED = 'return principalCents * (100 + ratePercent) / 100;';

/** Polls for a state (see waitFor.ts); 30 s unless told otherwise. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, ms = 30_000): Promise<T> => waitForState(what, probe, ms);

interface Stats {
  outcomes: { acceptedFull: number };
}

describe('training loop: accepted completion → exported training sample', function () {
  this.timeout(180_000);
  let server: OllamaTestServer;
  let out: string;
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('inhouse');

  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not loaded`);
    await ext.activate();
    server = await OllamaTestServer.start({ models: standardModels() });
    await config().update('ollama.host', server.url, vscode.ConfigurationTarget.Global);
    await config().update('completion.model', MODEL, vscode.ConfigurationTarget.Global);
    await config().update('completion.debounceMs', 20, vscode.ConfigurationTarget.Global);
    await waitFor('the settings', () => config().get('ollama.host') === server.url && config().get('completion.model') === MODEL);
    out = mkdtempSync(join(tmpdir(), 'inhouse-e2e-dataset-'));
  });

  after(async () => {
    for (const key of ['ollama.host', 'completion.model', 'completion.debounceMs']) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    await server?.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('records the acceptance and its survival, and exports it as a FIM sample', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    mkdirSync(join(folder, 'src', 'loans'), { recursive: true });
    const file = join(folder, 'src', 'loans', 'interest.ts');
    writeFileSync(file, '/** The balance after one year of simple interest. */\nexport function withInterest(principalCents: number, ratePercent: number): number {\n  \n}\n');
    server.script({ endpoint: 'generate', chunks: [ACCEPTED], repeat: true });
    const doc = await vscode.workspace.openTextDocument(file);
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(2, 2, 2, 2);
    const before = (await vscode.commands.executeCommand<Stats>('inhouse.completions.stats'))!.outcomes.acceptedFull;
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await waitFor('a suggestion from the model', () => server.requestsTo('/api/generate').length > 0);
    await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
    await waitFor('the suggestion inserted', () => doc.getText().includes(ACCEPTED));
    await waitFor('the acceptance recorded', async () => (await vscode.commands.executeCommand<Stats>('inhouse.completions.stats'))!.outcomes.acceptedFull > before);
    await doc.save();
    // The survival check runs 30 s after acceptance; the saved file is re-indexed meanwhile.
    await new Promise((r) => setTimeout(r, 33_000));
    const result = (await vscode.commands.executeCommand<{ stats: unknown; files: string[] } | undefined>('inhouse.exportTrainingSet', vscode.Uri.file(out)))!;
    assert.ok(result, 'the export returned nothing');
    const lines = ['train.completion.jsonl', 'valid.completion.jsonl'].flatMap((f) => {
      try {
        return readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    });
    const samples = lines.map((l) => JSON.parse(l) as { prompt: string; completion: string });
    const sample = samples.find((s) => s.completion.includes(ACCEPTED));
    assert.ok(sample, `no exported sample carries the accepted completion (${samples.length} samples; stats ${JSON.stringify(result.stats)})`);
    assert.match(sample.prompt, /<\|fim_(prefix|suffix)\|>/);
    assert.match(sample.prompt, /withInterest\(principalCents: number, ratePercent: number\)/);
    console.log(`training loop: exported sample ${JSON.stringify(sample).slice(0, 400)}`);
  });
});
