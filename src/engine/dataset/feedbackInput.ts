import { promises as fs } from 'node:fs';
import type { FeedbackEvent } from '../feedback/feedbackEvents';
import { FeedbackRecorder, readEventLines, type FeedbackRead } from '../feedback/feedbackRecorder';
import { silentLogger, type Logger } from '../log';

/**
 * Feedback events from a recorder's folder (feedback.jsonl and its rotated files) or from one
 * JSONL file (an export). Lines that are not events are skipped and counted; nothing else is lost.
 */
export async function readFeedbackEvents(fileOrDir: string, log: Logger = silentLogger): Promise<FeedbackRead> {
  const stat = await fs.stat(fileOrDir).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`Cannot read feedback events at ${fileOrDir} (${err.code ?? err.message}). Pass the feedback folder or an exported .jsonl file.`);
  });
  if (stat.isDirectory()) return new FeedbackRecorder({ dir: fileOrDir, log }).read();
  const text = await fs.readFile(fileOrDir, 'utf8');
  const read: FeedbackRead = { events: [] as FeedbackEvent[], corruptLines: 0, newerVersionLines: 0, files: 1, bytes: Buffer.byteLength(text, 'utf8') };
  readEventLines(text, read);
  if (read.corruptLines > 0) log.warn(`Skipped ${read.corruptLines} corrupt feedback lines in ${fileOrDir}.`);
  return read;
}
