package dev.jcloud.providers.gcp;

import static dev.jcloud.provisioner.boot.ShellQuote.quote;

import java.util.List;

/**
 * What goes into an instance's metadata to boot it. Two keys:
 *
 * <ul>
 *   <li>{@value #BOOT_SCRIPT_KEY}: the script {@link dev.jcloud.provisioner.boot.BootScript} renders
 *       (the one renderer: JRE, engine download and SHA-256 check, the engine);</li>
 *   <li>{@value #STARTUP_SCRIPT_KEY}: {@link #STARTUP_SCRIPT}, a fixed launcher that the guest agent
 *       runs at boot. It runs the boot script and, when it ends (the worker's death timeout, the
 *       scheduler's idle timeout, retirement, a failed boot), <em>deletes the instance through the
 *       API</em> with the machine's own service account instead of letting the boot script power it
 *       off: on GCE a guest shutdown only stops the VM, and a stopped VM's disk keeps billing (if the
 *       delete is refused it powers off after all). After a failure in the first
 *       {@value #FAILURE_GRACE_SECONDS} seconds it waits until then, so {@code up} can still show the
 *       serial log.</li>
 * </ul>
 *
 * <p>Neither holds a secret: the API token is fetched from the metadata server when needed and
 * never written down. The launcher contains no value from the user at all.
 */
final class BootMetadata {

    static final String STARTUP_SCRIPT_KEY = "startup-script";
    static final String BOOT_SCRIPT_KEY = "jcloud-boot-script";
    /** The SHA-256 of the engine the instance runs: workers started later take the scheduler's. */
    static final String ENGINE_SHA256_KEY = "jcloud-engine-sha256";

    static final int FAILURE_GRACE_SECONDS = 600;
    /** GCE's limit for one metadata value. */
    static final int VALUE_LIMIT = 256 * 1024;

    /**
     * The launcher. {@code JCLOUD_GCE_METADATA} and {@code JCLOUD_GCE_API} point it at a fake in
     * tests; on a machine they are unset.
     */
    static final String STARTUP_SCRIPT = String.join(
            "\n",
            "#!/bin/bash",
            "# jcloud on Compute Engine: runs this machine's boot script (metadata key " + BOOT_SCRIPT_KEY
                    + ", rendered by",
            "# dev.jcloud.provisioner.boot.BootScript), then deletes this instance through the API: a guest shutdown",
            "# would only stop it, and a stopped instance's disk still bills. Nothing confidential here: the API token",
            "# comes from the metadata server at the end and is never written down.",
            "set -uo pipefail",
            "md=\"${JCLOUD_GCE_METADATA:-http://metadata.google.internal}/computeMetadata/v1\"",
            "api=\"${JCLOUD_GCE_API:-https://compute.googleapis.com}\"",
            "grace=\"${JCLOUD_FAILURE_GRACE:-" + FAILURE_GRACE_SECONDS + "}\"",
            "jcloud_md() { curl -fsS --retry 10 --retry-connrefused -H 'Metadata-Flavor: Google' \"$md/$1\"; }",
            "boot=\"$(mktemp)\"",
            "if jcloud_md 'instance/attributes/" + BOOT_SCRIPT_KEY + "' > \"$boot\"; then",
            "  # The boot script would power the machine off when the engine exits; here the launcher deletes it instead.",
            "  JCLOUD_POWEROFF=true bash \"$boot\"; status=$?",
            "else",
            "  echo 'jcloud-boot: could not read the boot script from the metadata server' >&2; status=1",
            "fi",
            "rm -f \"$boot\"",
            "if [ \"$status\" -ne 0 ] && [ \"$SECONDS\" -lt \"$grace\" ]; then",
            "  echo \"jcloud-boot: failed with status $status; this instance deletes itself in $((grace - SECONDS)) s\" >&2",
            "  sleep \"$((grace - SECONDS))\"",
            "fi",
            "echo \"jcloud-boot: the engine has stopped (status $status); deleting this instance\" >&2",
            "name=\"$(jcloud_md instance/name)\"",
            "zone=\"$(jcloud_md instance/zone)\"; zone=\"${zone##*/}\"",
            "project=\"$(jcloud_md project/project-id)\"",
            "token=\"$(jcloud_md instance/service-accounts/default/token"
                    + " | sed -n 's/.*\"access_token\" *: *\"\\([^\"]*\\)\".*/\\1/p')\"",
            "if ! curl -fsS --retry 5 -X DELETE -H \"Authorization: Bearer $token\" \\",
            "    \"$api/compute/v1/projects/$project/zones/$zone/instances/$name\" >/dev/null; then",
            "  # Stopped still beats running: the machine no longer bills, only its disk, until down or gc deletes it.",
            "  echo \"jcloud-boot: could not delete this instance; powering it off ('jcloud cluster gc' deletes it)\" >&2",
            "  \"${JCLOUD_POWEROFF:-shutdown}\" -h now",
            "fi",
            "");

    private BootMetadata() {}

    /**
     * The body of the boot script's launch-index function for machines started by one
     * {@code bulkInsert}: they share one script, and each finds its index by its own instance name
     * (from the metadata server) in {@code instanceNames}, the names in launch order. Trusted code;
     * the names are quoted.
     */
    static String launchIndexShell(List<String> instanceNames) {
        StringBuilder s = new StringBuilder();
        s.append("local md=\"${JCLOUD_GCE_METADATA:-http://metadata.google.internal}/computeMetadata/v1\" me i=0 n\n");
        s.append(
                "me=\"$(curl -fsS --retry 10 --retry-connrefused -H 'Metadata-Flavor: Google' \"$md/instance/name\")\"\n");
        s.append("for n in");
        for (String name : instanceNames) {
            s.append(' ').append(quote(name));
        }
        s.append("; do\n");
        s.append("  if [ \"$n\" = \"$me\" ]; then echo \"$i\"; return 0; fi\n");
        s.append("  i=$((i + 1))\n");
        s.append("done\n");
        s.append("echo \"unknown instance $me\"\n");
        return s.toString();
    }
}
