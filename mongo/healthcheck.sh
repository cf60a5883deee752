#!/usr/bin/env bash
# MongoDB healthcheck without mongosh: mongosh is a Node program that takes a second or two of CPU to start,
# too much to run every second. Bash sends one OP_MSG {ping: 1, $db: "admin"} over /dev/tcp and passes only
# when the reply holds {ok: 1.0}. ping needs no authentication. Needs bash, od, tr, grep and timeout.
set -euo pipefail
port=${1:-27017}
# The container's own address, not 127.0.0.1: while the initdb scripts run, the image's temporary server listens on
# loopback only, so "healthy" (and with it the app's start) waits until the users exist and the real server is up.
exec 3<>"/dev/tcp/${HOSTNAME}/$port"
# Header (length 51, requestID 1, responseTo 0, opCode 2013 OP_MSG), flags 0, section kind 0, then the
# 30-byte BSON document {ping: int32 1, $db: "admin"}.
# shellcheck disable=SC2016  # $db is a literal BSON key
printf '\x33\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\xdd\x07\x00\x00\x00\x00\x00\x00\x00''\x1e\x00\x00\x00\x10ping\x00\x01\x00\x00\x00\x02$db\x00\x06\x00\x00\x00admin\x00\x00' >&3
# The reply's first 4 bytes are its length; read exactly that much (dd bs=1 never reads past it).
len=$(timeout 2 dd bs=1 count=4 status=none <&3 | od -An -tu4 | tr -d ' ')
[[ $len =~ ^[0-9]+$ && $len -gt 20 && $len -lt 65536 ]]
# "ok" as a BSON double equal to 1.0: type 0x01, "ok\0", then 1.0 little-endian.
timeout 2 dd bs=1 count=$((len - 4)) status=none <&3 | od -An -tx1 -v | tr -d ' \n' | grep -q '016f6b00000000000000f03f'
