import * as vscode from 'vscode';
import { CREDENTIALS_SECRET_KEY, credentialProblem, parseCredentials, serializeCredentials, type SharedCredentials } from './sharedConfig';

/**
 * The shared index's credentials in the editor's secret storage (the OS keychain where there is
 * one): the only place the extension keeps them. Their values are never logged, shown or written
 * anywhere else.
 */
export class SharedCredentialStore {
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** The stored credentials; undefined when there are none or the secret storage cannot be read. */
  async get(): Promise<SharedCredentials | undefined> {
    try {
      return parseCredentials(await this.secrets.get(CREDENTIALS_SECRET_KEY));
    } catch (err) {
      this.log.warn(`Shared index: the editor's secret storage could not be read, so stored credentials are not used (${(err as Error).message}).`);
      return undefined;
    }
  }

  async set(credentials: SharedCredentials): Promise<void> {
    await this.secrets.store(CREDENTIALS_SECRET_KEY, serializeCredentials(credentials));
    this.log.info('Shared index credentials saved in the secret storage.');
  }

  /** Whether there were credentials to remove. */
  async clear(): Promise<boolean> {
    const had = (await this.secrets.get(CREDENTIALS_SECRET_KEY)) !== undefined;
    await this.secrets.delete(CREDENTIALS_SECRET_KEY);
    if (had) this.log.info('Shared index credentials removed from the secret storage.');
    return had;
  }

  onDidChange(listener: () => void): vscode.Disposable {
    return this.secrets.onDidChange((e) => {
      if (e.key === CREDENTIALS_SECRET_KEY) listener();
    });
  }
}

/** Asks for the credentials, one input box each; undefined when the user cancels any of them. */
export async function promptCredentials(): Promise<SharedCredentials | undefined> {
  const title = 'InHouse: Set Shared Index Credentials';
  const accessKeyId = await vscode.window.showInputBox({
    title: `${title} (1/3)`,
    prompt: 'Access key ID for the storage of inhouse.sharedIndex.uri (e.g. an AWS or MinIO access key).',
    ignoreFocusOut: true,
    validateInput: (v) => credentialProblem('accessKeyId', v),
  });
  if (accessKeyId === undefined) return undefined;
  const secretAccessKey = await vscode.window.showInputBox({
    title: `${title} (2/3)`,
    prompt: 'Secret access key. Kept in the editor\'s secret storage only, never in settings or logs.',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => credentialProblem('secretAccessKey', v),
  });
  if (secretAccessKey === undefined) return undefined;
  const sessionToken = await vscode.window.showInputBox({
    title: `${title} (3/3)`,
    prompt: 'Session token, for temporary credentials only. Leave empty for permanent keys.',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => credentialProblem('sessionToken', v),
  });
  if (sessionToken === undefined) return undefined;
  return { accessKeyId: accessKeyId.trim(), secretAccessKey: secretAccessKey.trim(), ...(sessionToken.trim() ? { sessionToken: sessionToken.trim() } : {}) };
}
