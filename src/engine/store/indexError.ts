/** An index that cannot be used as asked, with a message that says what to do. */
export class IndexError extends Error {
  constructor(
    message: string,
    readonly code: 'not-found' | 'foreign' | 'old-schema' | 'corrupt' | 'not-writable' | 'locked' | 'denied' | 'unreachable',
  ) {
    super(message);
  }
}
