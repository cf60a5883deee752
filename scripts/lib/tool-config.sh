#!/bin/sh
# Sourced by backup.sh and restore.sh into the shell they run in mongo_db (POSIX sh there).
# tool_config PASSWORD_FILE: a --config file for mongodump/mongorestore with the password in YAML single
# quotes, whose one escape is a doubled quote: every character of the password stays the password's.
# The file's one line, without its line break (LF or CRLF), as mongo/initdb.d/10-users.js reads it.
tool_config() { printf "password: '%s'\n" "$(sed -e 's/\r$//' -e "s/'/''/g" "$1")"; }
