/** The one logging interface. Hosts supply the sink: a LogOutputChannel in VS Code, stderr in the CLI. */
export interface Logger {
  error(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
  trace(message: string, ...args: unknown[]): void;
}

export type LogLevel = 'off' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

const RANK: Record<LogLevel, number> = { off: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5 };

export function isLogLevel(value: string): value is LogLevel {
  return Object.prototype.hasOwnProperty.call(RANK, value);
}

function format(args: unknown[]): string {
  if (args.length === 0) return '';
  return ' ' + args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
}

/** A logger writing one line per message to a stream-like sink (stderr for the CLI). */
export function createLineLogger(write: (line: string) => void, level: LogLevel): Logger {
  const at = (l: Exclude<LogLevel, 'off'>) => (message: string, ...args: unknown[]) => {
    if (RANK[l] <= RANK[level]) write(`[${l}] ${message}${format(args)}\n`);
  };
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), trace: at('trace') };
}

export const silentLogger: Logger = createLineLogger(() => undefined, 'off');
