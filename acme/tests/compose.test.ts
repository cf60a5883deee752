import { composeServices, coreServices } from '../../test/support/stack';

it('acme/compose.yml adds the ACME client to the core', async () => {
  expect(await composeServices('acme/compose.yml')).toEqual([...coreServices, 'acme'].sort());
});
