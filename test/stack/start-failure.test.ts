// The shared stack helper's failure path: a stack that never becomes ready must fail the test with each
// container's lifecycle in the error (CI keeps nothing else), and leave no container behind.
import { Wait } from 'testcontainers';
import { docker } from '../support/docker';
import { startStack } from '../support/stack';

jest.setTimeout(120_000);

it("reports each container's lifecycle, then removes the project, when a stack does not come up", async () => {
  const projectName = `start-failure-${Date.now()}`;

  const started = startStack({
    projectName,
    // The app logs JSON lines, never this: the wait gives up after 5 s.
    waitFor: { 'app-1': Wait.forLogMessage('a line the app never prints') },
    startupTimeoutMs: 5_000,
  });

  const error = await started.then(
    () => new Error('the stack came up although its wait could not succeed'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(Error);
  const { message } = error as Error;
  expect(message).toContain(`compose project ${projectName} did not come up`);
  expect(message).toMatch(/^ {2}app-1: create, start/m);
  expect(message).toMatch(/^ {2}db-secrets-1: create, start, die \(exit 0\)/m);
  const left = await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${projectName}`]);
  expect(left.trim()).toBe('');
});
