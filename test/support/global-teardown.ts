/**
 * Jest globalTeardown: leaves the gateway global-setup.ts found or started. It is stopped only
 * if a test run started it and no other test run still uses it (see gateway.ts), and never when
 * S3SHIP_KEEP_GATEWAY=1 (the next run then reuses it; stop it with scripts/rgw-down.sh).
 */

// Set by global-setup.ts. Not imported from there: jest loads these two files outside its module
// system (see the note in global-setup.ts), so only a variable specifier to the .ts file works.
const USED_DIR = 'S3SHIP_TEST_GATEWAY_DIR';
const STARTED = 'S3SHIP_TEST_GATEWAY_STARTED';
type GatewayModule = typeof import('./gateway.js');
const GATEWAY_TS: string = './gateway.ts';

export default async function globalTeardown(): Promise<void> {
  const cephDir = process.env[USED_DIR];
  if (!cephDir) return;
  const startedByUs = process.env[STARTED] === '1';
  delete process.env[USED_DIR];
  delete process.env[STARTED];
  const { stopGateway, releaseGateway } = (await import(GATEWAY_TS)) as GatewayModule;
  if (process.env.S3SHIP_KEEP_GATEWAY === '1') {
    releaseGateway({ cephDir });
    process.stderr.write(
      `[s3ship tests] S3SHIP_KEEP_GATEWAY=1: gateway left running (${process.env.S3SHIP_TEST_ENDPOINT}); ` +
        `stop it with scripts/rgw-down.sh\n`,
    );
    return;
  }
  await stopGateway({ startedByUs, cephDir });
}
