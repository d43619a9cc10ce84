// The webview host's API (not bundled: the script is loaded as is). Type-checked only.
declare function acquireVsCodeApi(): {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
};
