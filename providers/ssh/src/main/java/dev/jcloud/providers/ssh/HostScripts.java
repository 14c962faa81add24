package dev.jcloud.providers.ssh;

import static dev.jcloud.provisioner.boot.ShellQuote.quote;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The shell scripts run on the hosts (POSIX {@code sh}, GNU coreutils). Every value in them goes
 * through {@link dev.jcloud.provisioner.boot.ShellQuote}. Paths are relative to the login's home
 * unless the host's {@code dir} is absolute.
 *
 * <p>Layout under a host's directory: {@code engine/<sha256>/lib/*.jar} (the engine, shared by every
 * cluster) and {@code clusters/<cluster-id>/} with {@code cluster} (id, name, creation time),
 * {@code engine} (the engine's SHA-256), {@code supervise.sh}, {@code tls/} (0700),
 * {@code pids/<node>.pid}, {@code logs/<node>.log}, and on the scheduler's host
 * {@code scheduler.json} (its address) and {@code controller/} (0700: what the in-cluster
 * controller needs to reach the other hosts).
 */
final class HostScripts {

    static final String MAIN_CLASS = "dev.jcloud.engine.process.EngineMain";
    /** System property naming the cluster directory on the scheduler's host, set on the scheduler's JVM. */
    static final String CLUSTER_DIR_PROPERTY = "jcloud.ssh.cluster-dir";

    private HostScripts() {}

    static String clusterDir(HostSpec h, String clusterId) {
        return h.dir() + "/clusters/" + clusterId;
    }

    static String engineDir(HostSpec h) {
        return h.dir() + "/engine";
    }

    /** The host's prologue, then the java binary's specification version on stdout ({@code nojava} when absent). */
    static String javaVersion(HostSpec h) {
        return h.prologue().orElse("") + "\n"
                + "J=" + quote(h.java().orElse("java")) + "\n"
                + "if ! command -v \"$J\" >/dev/null 2>&1; then echo nojava; exit 0; fi\n"
                + "\"$J\" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'\n";
    }

    /** Makes the cluster's directories (tls 0700) and writes its identity file. */
    static String prepare(HostSpec h, String clusterId, String clusterName, String engineSha) {
        String c = quote(clusterDir(h, clusterId));
        return "set -e\numask 077\n"
                + "mkdir -p " + quote(engineDir(h)) + " " + c + "/pids " + c + "/logs " + c + "/tls\n"
                + "chmod 700 " + c + "/tls\n"
                + "[ -f " + c + "/cluster ] || echo " + quote(clusterId + " " + clusterName) + " \"$(date +%s)\" > "
                + c + "/cluster\n"
                + (engineSha == null ? "" : "echo " + quote(engineSha) + " > " + c + "/engine\n")
                + "pwd\n";
    }

    /** {@code present} when the engine is unpacked on the host, else {@code missing}. */
    static String enginePresent(HostSpec h, String sha) {
        return "[ -f " + quote(engineDir(h) + "/" + sha + "/.complete") + " ] && echo present || echo missing\n";
    }

    /** Checks the uploaded archive's SHA-256 and unpacks it into {@code engine/<sha>} (atomically). */
    static String unpackEngine(HostSpec h, String sha, String archive) {
        String e = quote(engineDir(h) + "/" + sha);
        String t = quote(archive);
        String x = quote(archive + ".d");
        return "S=$( (sha256sum " + t + " 2>/dev/null || shasum -a 256 " + t + ") | cut -d' ' -f1)\n"
                + "if [ \"$S\" != " + quote(sha) + " ]; then rm -f " + t
                + "; echo \"the copied engine has SHA-256 $S, not " + sha + "\" >&2; exit 3; fi\n"
                + "rm -rf " + x + " && mkdir -p " + x + " && tar xzf " + t + " -C " + x + " && touch " + x
                + "/.complete && rm -f " + t + " || exit 4\n"
                // Another cluster may have unpacked the same engine meanwhile: keep the first.
                + "mv -T " + x + " " + e + " 2>/dev/null || rm -rf " + x + "\n"
                + "[ -f " + e + "/.complete ]\n";
    }

    /** Starts each node under the supervisor in its own session; prints {@code NODE PGID} per node. */
    static String launch(HostSpec h, String clusterId, String clusterName, String role, List<NodeStart> nodes) {
        StringBuilder s = new StringBuilder();
        s.append(h.prologue().orElse("")).append('\n');
        s.append("cd ").append(quote(clusterDir(h, clusterId))).append(" || exit 3\n");
        s.append("C=$(pwd)\nE=$(cat engine)\n");
        s.append("J=").append(quote(h.java().orElse("java"))).append('\n');
        for (NodeStart n : nodes) {
            String pid = quote("pids/" + n.name() + ".pid");
            s.append("rm -f ").append(pid).append('\n');
            s.append("setsid sh ./supervise.sh ")
                    .append(pid)
                    .append(' ')
                    .append(quote("logs/" + n.name() + ".log"))
                    .append(" \"")
                    .append(clusterId)
                    .append(' ')
                    .append(clusterName)
                    .append(' ')
                    .append(n.name())
                    .append(' ')
                    .append(role)
                    .append(" $(date +%s)\" \"$J\"");
            for (String a : n.jvmArgs()) {
                s.append(' ').append(a.contains("$C") ? "\"" + a + "\"" : quote(a));
            }
            s.append(" -cp \"../../engine/$E/lib/*\" ").append(MAIN_CLASS);
            for (String a : n.engineArgs()) {
                s.append(' ').append(quote(a));
            }
            s.append(" </dev/null >/dev/null 2>&1 &\n");
        }
        for (NodeStart n : nodes) {
            String pid = quote("pids/" + n.name() + ".pid");
            s.append("i=0; while [ ! -s ")
                    .append(pid)
                    .append(" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done\n");
            s.append("if [ -s ")
                    .append(pid)
                    .append(" ]; then read pg rest < ")
                    .append(pid)
                    .append("; echo ")
                    .append(quote(n.name()))
                    .append(" \"$pg\"; else echo ")
                    .append(quote(n.name()))
                    .append(" none; fi\n");
        }
        return s.toString();
    }

    /** A node to start: its name, JVM options ({@code $C} expands to the cluster directory) and engine arguments. */
    record NodeStart(String name, List<String> jvmArgs, List<String> engineArgs) {}

    /**
     * Lists clusters and live engine processes under the host's directory: {@code C ID NAME CREATED}
     * per cluster directory and {@code P PGID ID NAME NODE ROLE STARTED} per live process group
     * (checked with {@code kill -0} and, where /proc exists, by the cluster id on the supervisor's
     * command line, so a reused pid is not taken for a node); {@code K ID} per cluster key in the
     * authorized_keys file. Pidfiles of exited groups are removed. {@code only} limits it to one cluster.
     */
    static String inventory(HostSpec h, String only) {
        // Jump hosts have no clusters directory but may hold a cluster key: the listing of keys runs anyway.
        return "if cd " + quote(h.dir() + "/clusters") + " 2>/dev/null; then\n"
                + "for d in " + (only == null ? "*" : quote(only)) + "; do\n"
                + "  [ -f \"$d/cluster\" ] || continue\n"
                + "  read id name created < \"$d/cluster\"; echo \"C $id $name $created\"\n"
                + "  for f in \"$d\"/pids/*.pid; do\n"
                + "    [ -f \"$f\" ] || continue\n"
                + "    read pg pid_id pid_name node role started < \"$f\" || continue\n"
                + "    if kill -0 \"-$pg\" 2>/dev/null && { [ ! -r \"/proc/$pg/cmdline\" ] || grep -q \"$pid_id\""
                + " \"/proc/$pg/cmdline\"; }; then\n"
                + "      echo \"P $pg $pid_id $pid_name $node $role $started\"\n"
                + "    else rm -f \"$f\"; fi\n"
                + "  done\n"
                + "done\n"
                + "fi\n"
                + "cd; grep -o 'jcloud-cluster-[a-z0-9-]*' " + quote(h.authorizedKeys())
                + " 2>/dev/null | sed 's/^jcloud-cluster-/K /' || true\n";
    }

    /**
     * Stops the process groups of {@code nodes} (pidfile name and pgid): TERM, up to
     * {@code graceSeconds} to exit, then KILL; exits 1 naming any group still alive.
     */
    static String kill(HostSpec h, String clusterId, List<String[]> nodes, int graceSeconds) {
        StringBuilder s = new StringBuilder();
        s.append("cd ").append(quote(clusterDir(h, clusterId))).append(" 2>/dev/null || exit 0\n");
        s.append("groups=\"\"\n");
        for (String[] n : nodes) {
            String pid = quote("pids/" + n[0] + ".pid");
            // Only a group the pidfile still names: a pid reused by another program is left alone.
            s.append("if [ -f ")
                    .append(pid)
                    .append(" ]; then read pg rest < ")
                    .append(pid)
                    .append("; if [ \"$pg\" = ")
                    .append(quote(n[1]))
                    .append(" ]; then groups=\"$groups $pg\"; fi; fi\n");
        }
        s.append("for pg in $groups; do kill -TERM \"-$pg\" 2>/dev/null; done\n");
        s.append("alive() { left=\"\"; for pg in $groups; do kill -0 \"-$pg\" 2>/dev/null && left=\"$left $pg\";"
                + " done; [ -n \"$left\" ]; }\n");
        s.append("i=0; while alive && [ $i -lt ")
                .append(graceSeconds * 10)
                .append(" ]; do sleep 0.1; i=$((i+1)); done\n");
        s.append("if alive; then for pg in $left; do kill -KILL \"-$pg\" 2>/dev/null; done; fi\n");
        s.append("i=0; while alive && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done\n");
        for (String[] n : nodes) {
            s.append("rm -f ").append(quote("pids/" + n[0] + ".pid")).append('\n');
        }
        s.append("if alive; then echo \"process groups still alive after KILL:$left\" >&2; exit 1; fi\n");
        return s.toString();
    }

    /**
     * Runs {@code body} holding the host's lock on its authorized_keys file ({@code flock} on a file in
     * jcloud's directory), so that clusters adding and removing their keys at the same time never
     * lose each other's lines, or the user's.
     */
    private static String underKeysLock(HostSpec h, String body) {
        String lock = quote(h.dir() + "/authorized_keys.lock");
        return "cd\numask 077\nmkdir -p " + quote(h.dir()) + "\n"
                + "if command -v flock >/dev/null 2>&1; then exec 9>>" + lock + " && flock -w 60 9; fi\n"
                + body;
    }

    /** Adds the cluster's public key to the host's authorized_keys, once. */
    static String authorize(HostSpec h, String clusterId, String keyLine) {
        String f = quote(h.authorizedKeys());
        return underKeysLock(
                h,
                "mkdir -p \"$(dirname " + f + ")\"\n"
                        + "grep -q " + quote(marker(clusterId)) + " " + f + " 2>/dev/null || printf '%s\\n' "
                        + quote(keyLine) + " >> " + f + "\n");
    }

    /**
     * Removes the cluster's key from the host's authorized_keys: the other lines are written to a
     * copy (same owner and mode) that replaces the file in one rename, so sshd never reads half a file.
     */
    static String revoke(HostSpec h, String clusterId) {
        String f = quote(h.authorizedKeys());
        String m = quote(marker(clusterId));
        return underKeysLock(
                h,
                "if [ -f " + f + " ] && grep -q " + m + " " + f + "; then\n"
                        + "  cp -p " + f + " " + f + ".jcloud-$$ && { grep -v " + m + " " + f + " > " + f
                        + ".jcloud-$$ || true; } && mv -f " + f + ".jcloud-$$ " + f + "\n"
                        + "fi\n");
    }

    /** Removes the cluster's directory. */
    static String removeCluster(HostSpec h, String clusterId) {
        return "rm -rf " + quote(clusterDir(h, clusterId)) + "\n";
    }

    /** The comment that marks the cluster's key in authorized_keys files. */
    static String marker(String clusterId) {
        return "jcloud-cluster-" + clusterId;
    }

    /** The last {@code lines} lines of a node's log. */
    static String tail(HostSpec h, String clusterId, String node, int lines) {
        return "tail -n " + lines + " " + quote(clusterDir(h, clusterId) + "/logs/" + node + ".log") + " 2>/dev/null"
                + " || true\n";
    }

    static String join(List<String> words) {
        return words.stream().map(w -> quote(w)).collect(Collectors.joining(" "));
    }
}
