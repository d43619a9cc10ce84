import * as vscode from 'vscode';
import type { SharedIndex, SharedState } from '../../engine/shared/sharedIndex';
import { LocationError } from '../../engine/store/location';
import type { Services } from '../services';
import { OutageNotice, outageMessage, type OutageAction } from './outageNotice';
import { sharedIndexConfig } from './sharedConfig';
import type { SharedCredentialStore } from './sharedCredentials';

/**
 * Points the engine at the team's shared index as settings, the environment and the stored
 * credentials say (at activation, when inhouse.* settings or the credentials change, when the
 * workspace is trusted), reports its state into the status model, and tells the user once per
 * outage that search is using the local index only.
 */
export class SharedIndexController implements vscode.Disposable {
  private handle?: SharedIndex;
  private handleSub?: { dispose(): void };
  private readonly outage = new OutageNotice();
  private applying: Promise<void> = Promise.resolve();
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  /** Outage notifications shown (for the extension-host suite: one per outage). */
  notices = 0;
  /** The last bad URI reported, so a settings change elsewhere does not report it again. */
  private reportedUri?: string;
  private waitingForTrust = false;

  constructor(
    private readonly s: Services,
    private readonly credentials: SharedCredentialStore,
  ) {
    this.disposables.push(
      s.onDidChangeSettings(() => void this.apply()),
      credentials.onDidChange(() => void this.apply()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.apply()),
    );
  }

  /** Applies the current configuration (changes are applied one after another, in order). */
  apply(): Promise<void> {
    this.applying = this.applying.then(() =>
      this.applyNow().catch((err: unknown) => {
        this.s.log.error(`Shared index: could not apply the settings: ${(err as Error).message}`);
      }),
    );
    return this.applying;
  }

  private async applyNow(): Promise<void> {
    if (this.disposed) return;
    const settings = this.s.settings();
    const uri = settings['sharedIndex.uri'].trim();
    // Untrusted workspace settings must not choose where the stored credentials are sent;
    // nothing is searched there anyway.
    const trusted = vscode.workspace.isTrusted;
    const config = uri && trusted ? sharedIndexConfig(settings, process.env, await this.credentials.get()) : undefined;
    if (this.disposed) return;
    let handle: SharedIndex | undefined;
    let problem: string | undefined;
    try {
      handle = this.s.engine.setSharedIndex(config);
    } catch (err) {
      if (!(err instanceof LocationError)) throw err;
      problem = err.message;
      handle = this.s.engine.setSharedIndex(undefined);
    }
    if (handle !== this.handle) {
      this.handleSub?.dispose();
      this.handle = handle;
      this.outage.reset();
      this.handleSub = handle?.onDidChange((state) => this.onState(state));
    }
    if (problem !== undefined) {
      this.s.status.setShared({ state: 'unavailable', uri, message: `inhouse.sharedIndex.uri is not usable: ${problem}`, since: Date.now() });
      if (this.reportedUri !== uri) {
        this.reportedUri = uri;
        this.s.log.error(`Shared index: inhouse.sharedIndex.uri is not usable. ${problem}`);
        void vscode.window.showErrorMessage(`InHouse: the setting inhouse.sharedIndex.uri is not usable. ${problem}`, 'Open Settings').then((c) => {
          if (c) void vscode.commands.executeCommand('workbench.action.openSettings', 'inhouse.sharedIndex.uri');
        });
      }
      return;
    }
    this.reportedUri = undefined;
    if (uri && !trusted && !this.waitingForTrust) this.s.log.info('Shared index: not used until this workspace is trusted.');
    this.waitingForTrust = !!uri && !trusted;
    this.s.status.setShared(handle?.state ?? { state: 'off' });
    // Open it now, not at the first search: the status shows it, and a problem surfaces early.
    if (handle && handle.state.state === 'connecting') void handle.view().catch((err: unknown) => this.s.log.debug(`Shared index open failed: ${(err as Error).message}`));
  }

  private onState(state: SharedState): void {
    if (this.disposed) return;
    this.s.status.setShared(state);
    const news = this.outage.next(state);
    if (news === 'recovered') this.s.sharedDocuments.refreshMissing();
    if (news !== 'notify' || state.state !== 'unavailable') return;
    this.notices++;
    const { message, actions } = outageMessage(state);
    void vscode.window.showWarningMessage(`InHouse: ${message}`, ...actions).then((choice) => this.run(choice));
  }

  private async run(choice: OutageAction | undefined): Promise<void> {
    switch (choice) {
      case 'Set Credentials':
        await vscode.commands.executeCommand('inhouse.setSharedIndexCredentials');
        return;
      case 'Open Settings':
        await vscode.commands.executeCommand('workbench.action.openSettings', 'inhouse.sharedIndex');
        return;
      case 'Open Logs':
        this.s.log.show();
        return;
      default:
        return;
    }
  }

  dispose(): void {
    this.disposed = true;
    this.handleSub?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
