#!/bin/sh
# Peer "nginx": Debian's nginx (apt-get install nginx-light) as the compressing anchor. One
# process (master_process off) so the harness's CPU and RSS figures are the whole server's; gzip
# at level 6 like ours, the same types and 1 KiB minimum. /json is the bench's 100 KB JSON as a
# static file (written by the harness from json_body.ts into $1), / answers hello with `return`.
#
#     BENCH_PORT=8000 sh bench/servers/nginx.sh DIR_WITH_json
set -e
dir="$1/nginx-$BENCH_PORT"
mkdir -p "$dir/logs"
cp "$1/nginx.json" "$dir/json"
cat > "$dir/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
error_log stderr error;
pid $dir/nginx.pid;
events { worker_connections 16384; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  gzip on;
  gzip_comp_level 6;
  gzip_min_length 1024;
  gzip_types application/json text/plain;
  gzip_vary on;
  server {
    listen 127.0.0.1:$BENCH_PORT;
    location = / { default_type "text/plain;charset=UTF-8"; return 200 "Hello, World!"; }
    location = /json { default_type application/json; alias $dir/json; }
  }
}
EOF
echo "READY $BENCH_PORT"
exec nginx -p "$dir" -c "$dir/nginx.conf"
