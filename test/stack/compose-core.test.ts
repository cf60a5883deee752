import { composeServices, coreServices } from '../support/stack';

// The core a forker reads: extras (acme/, monitoring/) plug in as overlays and never hide in this file.
it('docker-compose.yml is the two tiers behind nginx and the secrets one-shot, nothing else', async () => {
  expect(await composeServices()).toEqual(coreServices);
});
