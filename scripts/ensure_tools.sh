#!/bin/sh
# Makes sure the system tools the tests drive are present: curl, nghttp and
# h2load (nghttp2-client), nghttpd (nghttp2-server), haproxy, chromium, and Python's h2 (python3-h2).
# On a fresh Debian machine run as root, it installs what is missing with apt;
# elsewhere it says what is missing and stops.
missing=""
need() { case " $missing " in *" $1 "*) ;; *) missing="$missing $1" ;; esac; }
command -v curl >/dev/null 2>&1 || need curl
command -v nghttp >/dev/null 2>&1 || need nghttp2-client
command -v h2load >/dev/null 2>&1 || need nghttp2-client
command -v nghttpd >/dev/null 2>&1 || [ -x /usr/sbin/nghttpd ] || need nghttp2-server
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need haproxy
command -v chromium >/dev/null 2>&1 || need chromium
/usr/bin/python3 -c "import h2" >/dev/null 2>&1 || python3 -c "import h2" >/dev/null 2>&1 || need python3-h2
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing:$missing"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing) >/dev/null || exit 1
  exit 0
fi
echo "missing system tools:$missing (install them, e.g. sudo apt-get install$missing)" >&2
exit 1
