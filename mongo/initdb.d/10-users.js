/* global db, print */ // mongosh globals
// The database's own users, from the secrets compose mounts (never from the environment):
//   APP_DB_USER (default "app")       readWrite on APP_DB_NAME only: what the app logs in as;
//   BACKUP_DB_USER (default "backup")   backup (reads everything): what scripts/backup.sh logs in as;
//   RESTORE_DB_USER (default "restore") restore (writes everything): what scripts/restore.sh logs in as.
// Two users, so a leaked backup password (the one a nightly job holds) can read but never overwrite.
// Both live in "admin", like root, so every client uses authSource=admin (a mismatched authSource is the most
// common login failure). Idempotent: a user that exists gets its password (and roles) set again, so the same
// script creates the users on the first start (the official image runs /docker-entrypoint-initdb.d only on an
// empty data directory, already logged in as root) and applies a rotated password or upgrades an older volume
// when scripts/secrets-apply.sh runs it later (USERS_LOGIN_AS_ROOT=1: it logs in as root itself).
const fs = require('fs');

const env = process.env;
const readSecret = (file) => {
  const value = fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  if (!value) throw new Error(`${file} is empty`);
  // One line: every tool that reads it (backup.sh, restore.sh) takes the line without its line break.
  if (/[\r\n]/.test(value)) throw new Error(`${file} must hold one line`);
  return value;
};
const required = (name) => {
  if (!env[name]) throw new Error(`${name} is not set (docker-compose.yml passes it to mongo_db)`);
  return env[name];
};

const admin = db.getSiblingDB('admin');
if (env.USERS_LOGIN_AS_ROOT === '1') {
  admin.auth(required('MONGO_INITDB_ROOT_USERNAME'), readSecret(required('MONGO_INITDB_ROOT_PASSWORD_FILE')));
}
const dbName = required('APP_DB_NAME');

function ensureUser(user, passwordFile, roles) {
  const pwd = readSecret(passwordFile);
  if (admin.getUser(user)) {
    admin.updateUser(user, { pwd, roles });
    print(`10-users.js: updated user ${user} in admin`);
  } else {
    admin.createUser({ user, pwd, roles });
    print(`10-users.js: created user ${user} in admin`);
  }
  print(`10-users.js:   roles ${JSON.stringify(roles)}`);
}

ensureUser(env.APP_DB_USER || 'app', required('APP_DB_PASSWORD_FILE'), [{ role: 'readWrite', db: dbName }]);
ensureUser(env.BACKUP_DB_USER || 'backup', required('BACKUP_DB_PASSWORD_FILE'), [
  { role: 'backup', db: 'admin' },
]);
ensureUser(env.RESTORE_DB_USER || 'restore', required('RESTORE_DB_PASSWORD_FILE'), [
  { role: 'restore', db: 'admin' },
]);
