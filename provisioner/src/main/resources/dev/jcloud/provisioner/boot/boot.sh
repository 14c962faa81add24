#!/bin/bash
# shellcheck disable=SC2153,SC2154 # the variables come from the header BootScript renders
# Starts one engine role on this machine. jcloud renders this file behind a header of quoted
# values and the provider's boot steps (BootScript, BootStep); it is not run on its own.
# Header variables (lower case but for the two steps may read; BootScript refuses settings named so):
#   ENGINE_URL ENGINE_SHA256 engine_format(jar|tar.gz) engine_role engine_main
#   jvm_options[] engine_args[] jre_rpm_packages[] jre_deb_packages[] memory_restarts exit_memory
#   node_names[] node_name_arg(-1: none) join_token_file('': no join token)
# Provider steps, each optional: jcloud_step_launch_index, jcloud_step_download_header,
#   jcloud_step_join_token DIR, jcloud_step_secrets DIR, jcloud_step_watch.
# It holds no secrets; anything secret is fetched at boot with the machine's own identity.
set -euo pipefail
umask 022

jcloud_log() { printf 'jcloud-boot: %s\n' "$*" >&2; }
jcloud_has() { declare -F "$1" >/dev/null; }

# This machine's name: the n-th of the names launched together, n from the cloud. One script
# boots several machines (one cloud API call), so name, tag and the scheduler's view agree.
jcloud_node_name() {
  [ "$node_name_arg" -ge 0 ] || return 0
  local index
  index="$(jcloud_step_launch_index)"
  if ! [[ "$index" =~ ^[0-9]+$ ]] || [ "$index" -ge "${#node_names[@]}" ]; then
    jcloud_log "launch index '$index' is not one of 0..$((${#node_names[@]} - 1))"; exit 1
  fi
  export JCLOUD_NODE="${node_names[$index]}"
  engine_args[node_name_arg]="$JCLOUD_NODE"
}

# Tries the packages in order: distributions name their JREs differently.
jcloud_install_any() {
  local installer="$1" p
  shift
  for p in "$@"; do
    # shellcheck disable=SC2086 # the installer is a command with its options
    if $installer "$p"; then return 0; fi
  done
  jcloud_log "could not install a JRE"; exit 1
}

# JRE seam: the machine's java if it has one, else the OS package manager's.
jcloud_java() {
  if command -v java >/dev/null 2>&1; then return 0; fi
  jcloud_log "no java on PATH; installing a JRE"
  if command -v dnf >/dev/null 2>&1; then
    jcloud_install_any "dnf install -y -q" "${jre_rpm_packages[@]}"
  elif command -v yum >/dev/null 2>&1; then
    jcloud_install_any "yum install -y -q" "${jre_rpm_packages[@]}"
  elif command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    export DEBIAN_FRONTEND=noninteractive
    jcloud_install_any "apt-get install -y -qq" "${jre_deb_packages[@]}"
  else
    jcloud_log "cannot install Java: none of dnf, yum, apt-get found"; exit 1
  fi
  command -v java >/dev/null 2>&1 || { jcloud_log "the JRE install put no java on PATH"; exit 1; }
}

# The engine of the client that created the cluster, checked against its SHA-256.
jcloud_fetch() {
  mkdir -p "$JCLOUD_HOME"
  local download="$JCLOUD_HOME/engine.download"
  local curl_header=() wget_header=()
  if jcloud_has jcloud_step_download_header; then
    # Computed at boot (e.g. a token from the machine's metadata server), never rendered.
    local header=""
    if ! header="$(jcloud_step_download_header)" || [ -z "$header" ]; then
      jcloud_log "could not compute the engine download's request header"; exit 1
    fi
    curl_header=(-H "$header")
    wget_header=("--header=$header")
  fi
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 5 --retry-delay 2 --connect-timeout 10 ${curl_header[@]+"${curl_header[@]}"} \
      -o "$download" "$ENGINE_URL"
  else
    wget -q --tries=5 ${wget_header[@]+"${wget_header[@]}"} -O "$download" "$ENGINE_URL"
  fi
  if ! printf '%s  %s\n' "$ENGINE_SHA256" "$download" | sha256sum -c --status -; then
    jcloud_log "the downloaded engine does not have SHA-256 $ENGINE_SHA256; not starting"; exit 1
  fi
  if [ "$engine_format" = tar.gz ]; then
    rm -rf "$JCLOUD_HOME/engine" && mkdir -p "$JCLOUD_HOME/engine"
    tar -xzf "$download" -C "$JCLOUD_HOME/engine" && rm -f "$download"
    # In name order: the bundle numbers its JARs in class-path order, and lib/* order is unspecified.
    JCLOUD_CLASSPATH=$(printf '%s\n' "$JCLOUD_HOME"/engine/lib/*.jar | LC_ALL=C sort | paste -sd: -)
  else
    mv -f "$download" "$JCLOUD_HOME/engine.jar"
    JCLOUD_CLASSPATH="$JCLOUD_HOME/engine.jar"
  fi
}

# Worker admission: the provider's step fetches the join token with the machine's own identity
# into a directory only root reads; the engine gets it as a file, never as an argument.
jcloud_join_token() {
  [ -n "$join_token_file" ] || return 0
  local file="$JCLOUD_HOME/secrets/$join_token_file"
  (umask 077 && mkdir -p "$JCLOUD_HOME/secrets" && jcloud_step_join_token "$JCLOUD_HOME/secrets") \
    || { jcloud_log "cannot fetch the cluster's join token"; exit 1; }
  [ -s "$file" ] || { jcloud_log "the join-token fetcher wrote no token to $file"; exit 1; }
  chmod 600 "$file"
  export JCLOUD_JOIN_TOKEN_FILE="$file"
}

# The cluster's TLS material, fetched by the provider's step into files only root reads.
jcloud_secrets() {
  jcloud_has jcloud_step_secrets || return 0
  (umask 077 && mkdir -p "$JCLOUD_HOME/secrets" && jcloud_step_secrets "$JCLOUD_HOME/secrets") \
    || { jcloud_log "cannot fetch the cluster's TLS material"; exit 1; }
}

# A boot that fails before the engine starts (name, JRE install, download, checksum, join token,
# secrets) powers the machine off as an engine exit does: a machine that can never run the engine
# would otherwise run on, billing, until someone notices. The status is kept for whoever ran the
# script (a launcher that deletes the machine itself, a test).
jcloud_boot_failed() {
  local status=$?
  [ "$status" -ne 0 ] || return 0
  jcloud_log "the boot failed (status $status) before the engine started; powering the machine off"
  "${JCLOUD_POWEROFF:-shutdown}" -h now || true
  exit "$status"
}
trap jcloud_boot_failed EXIT

jcloud_node_name
jcloud_java
jcloud_fetch
jcloud_join_token
jcloud_secrets
trap - EXIT
if jcloud_has jcloud_step_watch; then
  # Beside the engine for the machine's life, e.g. watching for a spot interruption notice.
  (set +e; jcloud_step_watch) &
fi

jcloud_log "starting the engine $engine_role"
# Not exec: when the engine exits (retired, idle timeout, death timeout, crash) the machine powers
# off, and with shutdown behaviour "terminate"/"delete" stops billing. A worker past its memory
# limit is started again a bounded number of times (what Dask's nanny does).
restarts=0
while :; do
  status=0
  java ${jvm_options[@]+"${jvm_options[@]}"} -cp "$JCLOUD_CLASSPATH" "$engine_main" "${engine_args[@]}" \
    || status=$?
  if [ "$engine_role" = worker ] && [ "$status" -eq "$exit_memory" ] && [ "$restarts" -lt "$memory_restarts" ]; then
    restarts=$((restarts + 1))
    jcloud_log "the worker exited at its memory limit; starting it again ($restarts of $memory_restarts)"
    continue
  fi
  break
done
jcloud_log "the engine exited; powering the machine off"
"${JCLOUD_POWEROFF:-shutdown}" -h now
