#!/bin/sh
# Makes sure the system tools the tests drive are present (curl, nghttp, h2load).
# On a fresh Debian machine run as root, it installs them with apt; elsewhere it
# says what is missing and stops.
missing=""
command -v curl >/dev/null 2>&1 || missing="$missing curl"
command -v nghttp >/dev/null 2>&1 || missing="$missing nghttp2-client"
command -v h2load >/dev/null 2>&1 || case "$missing" in *nghttp2-client*) ;; *) missing="$missing nghttp2-client" ;; esac
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing:$missing"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing) >/dev/null || exit 1
  exit 0
fi
echo "missing system tools:$missing (install them, e.g. sudo apt-get install$missing)" >&2
exit 1
