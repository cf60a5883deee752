#!/usr/bin/env bash
# Checks for what deploy.sh and deploy-swarm.sh hand to ssh and to the remote shell, before connecting.

# check_ssh_host HOST: user@host or host, never an ssh option (-oProxyCommand=… would run a local command).
check_ssh_host() {
  if [[ $1 == -* || ! $1 =~ ^([A-Za-z0-9._-]+@)?[A-Za-z0-9._:-]+$ ]]; then
    echo "deploy: '$1' is not a host: give it as user@host (letters, digits, . _ - and :)" >&2
    return 1
  fi
}

# check_remote_dir DIR: an absolute path of plain characters, never / itself, no . or .. parts: it can never
# break out of the remote command, nor name a folder above the one meant.
check_remote_dir() {
  if ! [[ $1 =~ ^/[A-Za-z0-9._/-]*[A-Za-z0-9_-]$ ]] || [[ /$1/ == */../* || /$1/ == */./* ]]; then
    echo "deploy: --dir '$1' must be an absolute path of letters, digits, . _ - and /" >&2
    return 1
  fi
}
