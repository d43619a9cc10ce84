// vscode-free: which editor languages get inline completions, and what the engine calls them.

/** VS Code language id → the engine's language id and the extension an unsaved document is read as. */
export const COMPLETION_LANGUAGES: Readonly<Record<string, { engine: string; extension: string }>> = {
  typescript: { engine: 'typescript', extension: '.ts' },
  typescriptreact: { engine: 'tsx', extension: '.tsx' },
  javascript: { engine: 'javascript', extension: '.js' },
  javascriptreact: { engine: 'javascript', extension: '.jsx' },
  python: { engine: 'python', extension: '.py' },
  go: { engine: 'go', extension: '.go' },
  java: { engine: 'java', extension: '.java' },
  rust: { engine: 'rust', extension: '.rs' },
  c: { engine: 'c', extension: '.c' },
  cpp: { engine: 'cpp', extension: '.cpp' },
  csharp: { engine: 'csharp', extension: '.cs' },
  ruby: { engine: 'ruby', extension: '.rb' },
  php: { engine: 'php', extension: '.php' },
};
