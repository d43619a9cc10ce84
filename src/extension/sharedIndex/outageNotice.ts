// When to tell the user that the shared index is unavailable: once per outage, not per query
// or per retry. Pure (no `vscode`), unit-tested in plain Node.
import type { SharedState } from '../../engine/shared/sharedIndex';

/** The actions an outage notification offers, as button labels. */
export type OutageAction = 'Set Credentials' | 'Open Settings' | 'Open Logs';

export class OutageNotice {
  private notified = false;

  /** True between the notification and the recovery. */
  get inOutage(): boolean {
    return this.notified;
  }

  /**
   * What a new state means for the user: `notify` the first time the index is unavailable,
   * `recovered` when it is ready again after that. Retries (connecting, unavailable again)
   * say nothing new.
   */
  next(state: SharedState): 'notify' | 'recovered' | undefined {
    switch (state.state) {
      case 'unavailable':
        if (this.notified) return undefined;
        this.notified = true;
        return 'notify';
      case 'ready':
        if (!this.notified) return undefined;
        this.notified = false;
        return 'recovered';
      case 'off':
        this.notified = false;
        return undefined;
      case 'connecting':
        return undefined;
    }
  }

  /** Another shared index (or none) was configured: its outages are new ones. */
  reset(): void {
    this.notified = false;
  }
}

/** Whether the engine's message says the credentials are the problem (denied, expired). */
export function isCredentialProblem(message: string): boolean {
  return /denied|expired|InvalidAccessKeyId|SignatureDoesNotMatch|access key|secret key/i.test(message);
}

/** The notification for an outage: the message and its actions, the likeliest fix first. */
export function outageMessage(state: Extract<SharedState, { state: 'unavailable' }>): { message: string; actions: OutageAction[] } {
  const credentials = isCredentialProblem(state.message);
  return {
    message: `The shared index ${state.uri} is unavailable, so search uses the local index only. ${state.message}`,
    actions: credentials ? ['Set Credentials', 'Open Settings', 'Open Logs'] : ['Open Settings', 'Set Credentials', 'Open Logs'],
  };
}
