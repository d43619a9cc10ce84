import { readFileSync } from 'node:fs';

/**
 * A process's state letter and parent pid from Linux /proc/<pid>/stat (undefined once it is
 * gone or off Linux). The command name is in parentheses and may hold spaces, so the fields
 * are read after its closing one.
 */
export function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}
