/** The version, injected by the bundler from package.json ('dev' when run from source). */
declare const S3SHIP_VERSION: string | undefined;

export const VERSION = typeof S3SHIP_VERSION === 'string' ? S3SHIP_VERSION : 'dev';

/** Sent with every request, so store logs show which requests were s3ship's. */
export const USER_AGENT = `s3ship/${VERSION} node/${process.versions.node}`;
