import { strict as assert } from 'node:assert';
import {
  describeStorageOptions,
  isRemoteUri,
  LocationError,
  parseStorageOptions,
  remoteLocation,
  storageOptionsFromEnv,
} from '../../../src/engine/store/location';
import { remoteError, retryOnConflict } from '../../../src/engine/store/remoteStore';
import { IndexError } from '../../../src/engine/store/indexError';

describe('index location', () => {
  it('tells object-storage URIs from folders', () => {
    assert.equal(isRemoteUri('s3://bucket/prefix'), true);
    assert.equal(isRemoteUri('gs://b'), true);
    assert.equal(isRemoteUri('/tmp/index'), false);
    assert.equal(isRemoteUri('relative/dir'), false);
    assert.equal(isRemoteUri('C:\\index'), false);
  });

  it('normalises a URI and refuses bad ones with a message saying how to write it', () => {
    assert.equal(remoteLocation('s3://bucket/team/index/', {}).uri, 's3://bucket/team/index');
    assert.equal(remoteLocation('S3://bucket', {}).scheme, 's3');
    assert.throws(() => remoteLocation('ftp://host/x', {}), (e: Error) => e instanceof LocationError && /s3:\/\/, s3\+ddb:\/\/, gs:\/\/ or az:\/\//.test(e.message));
    assert.throws(() => remoteLocation('s3:///prefix', {}), /names no bucket/);
    assert.throws(() => remoteLocation('s3://KEY:hunter2@bucket/x', {}), (e: Error) => /Credentials do not belong/.test(e.message) && !e.message.includes('hunter2'));
    assert.throws(() => remoteLocation('not a uri', {}), /not an object-storage URI/);
    assert.equal(remoteLocation('s3+ddb://bucket/x?ddbTableName=commits', {}).uri, 's3+ddb://bucket/x?ddbTableName=commits');
    assert.throws(() => remoteLocation('s3://bucket/x?y=1', {}), /only s3\+ddb/);
  });

  it('reads the standard AWS variables, allows http for a plain-http endpoint and uses path-style requests with a custom endpoint', () => {
    const options = storageOptionsFromEnv({
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9000',
      AWS_ACCESS_KEY_ID: 'AKIA',
      AWS_SECRET_ACCESS_KEY: 'shh',
      AWS_DEFAULT_REGION: 'eu-west-1',
      HOME: '/root',
    });
    assert.deepEqual(options, {
      aws_endpoint: 'http://127.0.0.1:9000',
      aws_access_key_id: 'AKIA',
      aws_secret_access_key: 'shh',
      aws_region: 'eu-west-1',
      allow_http: 'true',
      aws_virtual_hosted_style_request: 'false',
    });
    // AWS_REGION wins over AWS_DEFAULT_REGION; no endpoint means no http and no style override.
    assert.deepEqual(storageOptionsFromEnv({ AWS_REGION: 'us-east-2', AWS_DEFAULT_REGION: 'eu-west-1' }), { aws_region: 'us-east-2' });
    assert.deepEqual(storageOptionsFromEnv({}), {});
  });

  it('lets --storage-option flags override the environment and names a malformed one', () => {
    assert.deepEqual(parseStorageOptions(['aws_region=us-west-2', 'timeout=30s'], { aws_region: 'eu-west-1', a: 'b' }), {
      aws_region: 'us-west-2',
      timeout: '30s',
      a: 'b',
    });
    assert.throws(() => parseStorageOptions(['=x']), /KEY=VALUE/);
    assert.throws(() => parseStorageOptions(['novalue']), /KEY=VALUE/);
  });

  it('never shows secret values when describing options', () => {
    const text = describeStorageOptions({ aws_access_key_id: 'AKIA', aws_secret_access_key: 'hunter2', aws_session_token: 'sessval9', aws_region: 'eu' });
    assert.match(text, /aws_region=eu/);
    assert.match(text, /aws_access_key_id=AKIA/);
    assert.ok(!text.includes('hunter2') && !text.includes('sessval9'), text);
  });
});

describe('object-storage errors', () => {
  const uri = 's3://team-bucket/inhouse';
  it('names the variables to check for denied access, without repeating secrets', () => {
    const e = remoteError(uri, new Error('Generic S3 error: InvalidAccessKeyId: The AWS Access Key Id you provided does not exist'));
    assert.ok(e instanceof IndexError && e.code === 'denied');
    assert.match(e.message, /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    assert.match(e.message, /Set Shared Index Credentials/);
  });
  it('names the bucket when it does not exist', () => {
    const e = remoteError(uri, new Error('NoSuchBucket: The specified bucket does not exist'));
    assert.match(e.message, /bucket "team-bucket"/);
    assert.match(e.message, /inhouse\.sharedIndex\.uri/);
  });
  it('says an expired token is expired', () => {
    assert.match(remoteError(uri, new Error('ExpiredToken: The provided token has expired.')).message, /expired.*AWS_SESSION_TOKEN/);
  });
  it('says the store is unreachable for connection failures', () => {
    const e = remoteError(uri, new Error('error sending request for url (http://127.0.0.1:1/x): Connection refused'));
    assert.ok(e instanceof IndexError && e.code === 'unreachable');
    assert.match(e.message, /Cannot reach/);
  });
});

describe('retryOnConflict', () => {
  it('retries a write that lost a commit race, and gives up on other errors at once', async () => {
    let calls = 0;
    const value = await retryOnConflict(async () => {
      calls++;
      if (calls < 3) throw new Error('Retryable commit conflict for version 7');
      return 'ok';
    });
    assert.equal(value, 'ok');
    assert.equal(calls, 3);
    let other = 0;
    await assert.rejects(
      retryOnConflict(async () => {
        other++;
        throw new Error('disk full');
      }),
      /disk full/,
    );
    assert.equal(other, 1);
  });
});
