/**
 * The parts of `s3rver` 3.7.1 (which ships no types) that {@link ../support/s3TestServer} uses.
 * Test-only; nothing here is shipped.
 */
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';
  import type * as http from 'node:http';
  import type { Readable } from 'node:stream';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    serviceEndpoint?: string;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }

  /** What `FilesystemStore` hands around for one object (s3rver's `S3Object`). */
  interface S3rverObject {
    bucket: string;
    key: string;
    content: Readable | Buffer | null;
    metadata: Record<string, string | number>;
  }

  /** s3rver's `FilesystemStore` (lib/stores/filesystem.js). */
  interface S3rverFilesystemStore {
    rootDirectory: string;
    getBucketPath(bucket: string): string;
    /** `<root>/<bucket>/<key dirs>/<last segment>._S3rver_<resource>`. */
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
    /** Rejects with ENOENT when the object does not exist. */
    getMetadata(bucket: string, key: string): Promise<Record<string, string | number>>;
    getBucket(bucket: string): Promise<{ name: string } | null>;
    putBucket(bucket: string): Promise<unknown>;
    putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
    copyObject(
      srcBucket: string,
      srcKey: string,
      destBucket: string,
      destKey: string,
      replacementMetadata: Record<string, string | number> | null,
    ): Promise<Record<string, string | number>>;
    deleteObject(bucket: string, key: string): Promise<void>;
  }

  class S3rver {
    constructor(options?: S3rverOptions);
    /** Creates the configured buckets and listens; resolves with the bound address. */
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    store: S3rverFilesystemStore;
    httpServer?: http.Server;
    silent: boolean;
  }

  export = S3rver;
}
