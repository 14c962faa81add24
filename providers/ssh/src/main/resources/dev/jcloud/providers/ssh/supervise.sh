# jcloud engine supervisor, started with setsid: this shell leads a process group of its own, which
# holds the engine process and nothing else, so one signal to the group stops all of it.
# Usage: sh supervise.sh PIDFILE LOGFILE "CLUSTER-ID CLUSTER NODE ROLE STARTED" COMMAND...
# PIDFILE holds "PGID CLUSTER-ID CLUSTER NODE ROLE STARTED" while the group runs: any process that can
# log in to this host finds the cluster's processes by it. A file 'teardown' next to the pidfiles'
# directory, left by the cluster's controller, removes the cluster's directory once the engine exits.
pidfile=$1
log=$2
meta=$3
shift 3
echo "$$ $meta" > "$pidfile.tmp" && mv -f "$pidfile.tmp" "$pidfile"
"$@" < /dev/null >> "$log" 2>&1 &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
rc=0
while :; do
  wait "$child"
  rc=$?
  kill -0 "$child" 2>/dev/null || break
done
rm -f "$pidfile"
if [ -f teardown ]; then
  dir=$(pwd)
  cd .. && rm -rf "$dir"
fi
exit "$rc"
