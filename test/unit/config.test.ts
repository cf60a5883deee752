import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, redactUri, uriDatabase } from '../../app/src/config';
import { PRODUCT } from '../../app/src/product';

/** A secret file with `content`, in a fresh temporary folder. */
function secretFile(content: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-secret-')), 'secret');
  fs.writeFileSync(file, `${content}\n`);
  return file;
}

describe('loadConfig', () => {
  it('gives documented defaults for an empty environment', () => {
    const config = loadConfig({});

    expect(config).toMatchObject({
      appName: PRODUCT.displayName,
      version: PRODUCT.version,
      env: 'development',
      host: '0.0.0.0',
      port: 3000,
      logLevel: 'info',
      bodyLimit: '100kb',
      keepAliveTimeoutMs: 65_000,
      headersTimeoutMs: 66_000,
      shutdownTimeoutMs: 8_000,
      shutdownDelayMs: 0,
      db: {
        uri: `mongodb://localhost:27017/${PRODUCT.database}`,
        dbName: undefined,
        authSource: 'admin',
        user: undefined,
        password: undefined,
      },
      seed: { onStart: 'never', count: 100 },
    });
  });

  it('reads values from the environment and treats empty strings as unset', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      SESSION_SECRET_FILE: secretFile('a-key'),
      PORT: '8080',
      DB_HOST: 'mongodb://mongo_db:27017/other',
      SEED_ON_START: 'if-empty',
      SEED_COUNT: '250',
      APP_VERSION: '',
      DB_NAME: '',
      BODY_LIMIT: '1MB',
    });

    expect(config).toMatchObject({
      env: 'production',
      port: 8080,
      bodyLimit: '1mb',
      db: { uri: 'mongodb://mongo_db:27017/other', dbName: undefined },
      seed: { onStart: 'if-empty', count: 250 },
    });
  });

  describe('APP_NAME', () => {
    it('names the app, trimmed', () => {
      expect(loadConfig({ APP_NAME: '  Acme Notes ' }).appName).toBe('Acme Notes');
    });

    it.each(['', '   '])('falls back to the product display name when set to %j', (value) => {
      expect(loadConfig({ APP_NAME: value }).appName).toBe(PRODUCT.displayName);
    });

    it('refuses a name too long for a title', () => {
      expect(() => loadConfig({ APP_NAME: 'x'.repeat(101) })).toThrow(/APP_NAME: must be at most 100/);
    });
  });

  it('bounds every read by DB_QUERY_TIMEOUT_MS (3 s unless set) and refuses nonsense', () => {
    expect(loadConfig({}).db.queryTimeoutMs).toBe(3_000);
    expect(loadConfig({}).listingTotalCacheMs).toBe(5_000);
    expect(loadConfig({ LISTING_TOTAL_CACHE_MS: '0' }).listingTotalCacheMs).toBe(0);
    expect(loadConfig({ DB_QUERY_TIMEOUT_MS: '1500' }).db.queryTimeoutMs).toBe(1_500);
    expect(() => loadConfig({ DB_QUERY_TIMEOUT_MS: '0' })).toThrow(/DB_QUERY_TIMEOUT_MS/);
  });

  it('takes APP_VERSION over the package version', () => {
    expect(loadConfig({ APP_VERSION: '2.0.0-rc.1' }).version).toBe('2.0.0-rc.1');
  });

  describe('database name', () => {
    it.each([
      ['mongodb://mongo_db:27017', PRODUCT.database],
      ['mongodb://mongo_db:27017/', PRODUCT.database],
      ['mongodb://u:p@a:1,b:2/?replicaSet=rs0', PRODUCT.database],
      ['mongodb://mongo_db:27017/named', undefined],
      ['mongodb+srv://cluster.example.net/named?retryWrites=true', undefined],
    ])('for DB_HOST %s is %p (undefined: the one in the URI)', (uri, dbName) => {
      expect(loadConfig({ DB_HOST: uri }).db.dbName).toBe(dbName);
    });

    it('is DB_NAME when set, whatever DB_HOST says', () => {
      expect(loadConfig({ DB_HOST: 'mongodb://mongo_db:27017', DB_NAME: 'mine' }).db.dbName).toBe('mine');
      expect(loadConfig({ DB_HOST: 'mongodb://mongo_db:27017/named', DB_NAME: 'mine' }).db.dbName).toBe(
        'mine',
      );
    });

    it.each([
      ['mongodb://h:27017/db?x=1', 'db'],
      ['mongodb://h:27017?x=1', ''],
      ['mongodb://h', ''],
    ])('reads %s as %j', (uri, name) => {
      expect(uriDatabase(uri)).toBe(name);
    });
  });

  it.each([
    [{ PORT: 'abc' }, /PORT: must be a number \(got "abc"\)/],
    [{ PORT: '70000' }, /PORT: must be <= 65535/],
    [{ PORT: '3.5' }, /PORT: must be a whole number/],
    [{ DB_HOST: 'localhost:27017' }, /DB_HOST: must be a MongoDB URI/],
    [{ SEED_ON_START: 'always' }, /SEED_ON_START/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ BODY_LIMIT: 'lots' }, /BODY_LIMIT: must look like 100kb/],
    [{ SHUTDOWN_TIMEOUT_MS: '10000' }, /SHUTDOWN_TIMEOUT_MS: must be <= 9500/],
    [
      { SHUTDOWN_DELAY_MS: '5000', SHUTDOWN_TIMEOUT_MS: '4000' },
      /SHUTDOWN_DELAY_MS: must be below SHUTDOWN_TIMEOUT_MS/,
    ],
    [{ DB_PASSWORD: 'x' }, /DB_USER: is required when a DB password is given/],
    [{ DB_USER: 'root' }, /DB_PASSWORD: DB_USER is set but neither/],
  ])('rejects %j with a readable message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('lists every problem at once, one line each', () => {
    const err = (() => {
      try {
        loadConfig({ PORT: 'x', LOG_LEVEL: 'loud' });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();

    expect(err.issues).toHaveLength(2);
    expect(err.message).toMatch(/^Invalid configuration:\n {2}- /);
  });

  it.each([
    'mongodb:/app:hunter22@mongo_db:27017',
    'mongo://app:hunter22@mongo_db',
    'mongodb://app:hunter22@ host',
  ])('never echoes the credentials of an invalid DB_HOST (%s), but still says where it points', (uri) => {
    const error = (() => {
      try {
        loadConfig({ DB_HOST: uri });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();

    expect(error.message).toMatch(/DB_HOST: must be a MongoDB URI/);
    expect(error.message).not.toContain('hunter22');
    expect(error.message).toContain('***@');
  });

  it('never echoes a password in the error', () => {
    expect(() => loadConfig({ DB_PASSWORD: 'sup3r-secret' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('sup3r-secret') }),
    );
  });

  describe('DB_PASSWORD_FILE', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('reads the password from the file and strips one trailing newline', () => {
      const file = path.join(dir, 'pw');
      fs.writeFileSync(file, 's3cret pass\n');

      const config = loadConfig({ DB_USER: 'root', DB_PASSWORD_FILE: file });

      expect(config.db).toMatchObject({ user: 'root', password: 's3cret pass', authSource: 'admin' });
    });

    it('fails readably when the file is missing or empty', () => {
      const empty = path.join(dir, 'empty');
      fs.writeFileSync(empty, '\n');

      expect(() => loadConfig({ DB_USER: 'root', DB_PASSWORD_FILE: path.join(dir, 'nope') })).toThrow(
        /DB_PASSWORD_FILE: cannot read/,
      );
      expect(() => loadConfig({ DB_USER: 'root', DB_PASSWORD_FILE: empty })).toThrow(
        /DB_PASSWORD_FILE: .* is empty/,
      );
    });

    it('refuses DB_PASSWORD and DB_PASSWORD_FILE together', () => {
      expect(() => loadConfig({ DB_USER: 'u', DB_PASSWORD: 'a', DB_PASSWORD_FILE: '/x' })).toThrow(
        /not both/,
      );
    });
  });

  it('redacts credentials in URIs for logs', () => {
    expect(redactUri('mongodb://root:pw@mongo_db:27017/db')).toBe('mongodb://***@mongo_db:27017/db');
    expect(redactUri('mongodb://mongo_db:27017/db')).toBe('mongodb://mongo_db:27017/db');
  });
});

describe('accounts and sessions', () => {
  it('reads the session key from its file, with registration open and 2 h idle / 24 h absolute by default', () => {
    const config = loadConfig({ SESSION_SECRET_FILE: secretFile('k3y') });

    expect(config.session).toEqual({ secret: 'k3y', idleMinutes: 120, absoluteHours: 24 });
    expect(config.registration).toBe('open');
  });

  it('refuses production without a session key file, naming the variable and never a value', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /SESSION_SECRET_FILE: is required in production/,
    );
  });

  it('refuses an empty session key file and an unknown REGISTRATION', () => {
    expect(() => loadConfig({ SESSION_SECRET_FILE: secretFile('') })).toThrow(
      /SESSION_SECRET_FILE: .* is empty/,
    );
    expect(() => loadConfig({ REGISTRATION: 'maybe' })).toThrow(/REGISTRATION/);
  });

  it('makes a key per process outside production', () => {
    expect(loadConfig({}).session.secret).not.toBe(loadConfig({}).session.secret);
  });
});
