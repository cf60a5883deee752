import { connectOptions } from '../../app/src/db/database';
import { loadConfig } from '../../app/src/config';

describe('connectOptions', () => {
  const db = loadConfig({ DB_USER: 'app', DB_PASSWORD: 'secret', DB_NAME: 'things' }).db;

  it('journals every write, so a 201 survives the database being killed right after', () => {
    expect(connectOptions(db).writeConcern).toEqual({ w: 'majority', journal: true });
  });

  it("logs in with the configured user against admin, where the stack's users live", () => {
    expect(connectOptions(db)).toMatchObject({
      auth: { username: 'app', password: 'secret' },
      authSource: 'admin',
      dbName: 'things',
    });
  });
});
