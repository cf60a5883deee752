import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

// scripts/lib/tool-config.sh writes the --config file that mongodump and mongorestore read (YAML): whatever a
// password holds, the tools must read back that password.
const root = path.resolve(__dirname, '..', '..');

it.each([
  ['plain', 'Abc123def456'],
  ['a Windows line end in its file', 'crlf\r'],
  ['a quote', "it's"],
  ['YAML syntax', '#no comment: [a, {b}] & *c !d | >e'],
  ['double quotes and backslashes', '"q" \\n \\'],
  ['surrounding spaces', '  spaced  '],
])('keeps a password with %s intact', (_label, password) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tool-config-'));
  const file = path.join(dir, 'password');
  fs.writeFileSync(file, `${password}\n`); // secret files end in a newline

  const config = execFileSync(
    'sh',
    ['-c', `. "${root}/scripts/lib/tool-config.sh"; tool_config "$1"`, 'sh', file],
    {
      encoding: 'utf8',
    },
  );
  fs.rmSync(dir, { recursive: true });

  expect(parse(config)).toEqual({ password: password.replace(/\r$/, '') });
});
