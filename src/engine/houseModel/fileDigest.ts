import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cancelledError } from '../llm/ollamaError';

/** `sha256:<hex>`, the form Ollama names blobs by. */
export type BlobDigest = `sha256:${string}`;

/** Reports bytes read so far, at most every `step` bytes and once at the end. */
export type ByteProgress = (bytes: number) => void;

/**
 * The sha256 of a file, read as a stream: a multi-gigabyte adapter never sits in memory.
 * Aborting `signal` stops reading and rejects with 'cancelled'.
 */
export async function sha256File(path: string, onBytes?: ByteProgress, signal?: AbortSignal, step = 4 * 1024 * 1024): Promise<BlobDigest> {
  if (signal?.aborted) throw cancelledError();
  const hash = createHash('sha256');
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
  const onAbort = (): void => void stream.destroy(cancelledError());
  signal?.addEventListener('abort', onAbort, { once: true });
  let bytes = 0;
  let reported = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
      if (onBytes && bytes - reported >= step) {
        reported = bytes;
        onBytes(bytes);
      }
    }
  } catch (err) {
    if (signal?.aborted) throw cancelledError();
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  onBytes?.(bytes);
  return `sha256:${hash.digest('hex')}`;
}
