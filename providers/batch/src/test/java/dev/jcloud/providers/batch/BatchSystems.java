package dev.jcloud.providers.batch;

import static org.assertj.core.api.Assertions.fail;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.contract.PlatformResource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real batch systems the ITs submit to: a check that they answer, and what they hold. */
final class BatchSystems {

    private BatchSystems() {}

    /** Fails, naming what to run, unless {@code command} answers. */
    static void require(String system, List<String> command) {
        String why;
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            boolean done = p.waitFor(30, TimeUnit.SECONDS);
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (done && p.exitValue() == 0) {
                return;
            }
            why = done ? "exited with " + p.exitValue() + ": " + out.strip() : "did not answer in 30s";
        } catch (IOException e) {
            why = e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why = "interrupted";
        }
        fail(system + " does not answer (" + String.join(" ", command) + " " + why + "): run .ci/batch-up as root,"
                + " which installs Debian's slurm-wlm, munge and gridengine-* packages when missing and starts their"
                + " daemons");
    }

    static void requireSlurm() {
        require("Slurm", List.of("sinfo", "-h"));
    }

    static void requireSge() {
        require("Grid Engine", List.of("qstat", "-g", "c"));
    }

    /** A shared directory for one test class: the compute "nodes" here see this machine's file system. */
    static Path sharedDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every job of this user carrying a jcloud job name, and every engine process this JVM started
     * (login schedulers), each with the cluster id its name or command line carries.
     */
    static List<PlatformResource> resources(BatchProvider provider) {
        List<PlatformResource> out = new ArrayList<>();
        for (Job j : provider.jobs()) {
            if (j.name().startsWith("jc_")) {
                out.add(PlatformResource.of(
                        "job",
                        j.id(),
                        JobNames.parse(j.name()).map(JobNames.Parsed::clusterId).orElse(null)));
            }
        }
        ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).forEach(ph -> {
            String id = clusterId(ph.pid());
            if (id != null) {
                out.add(PlatformResource.of("process", Long.toString(ph.pid()), id));
            }
        });
        return out;
    }

    private static String clusterId(long pid) {
        try {
            String cmd = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), StandardCharsets.UTF_8);
            for (String a : cmd.split("\0")) {
                if (a.startsWith("-D" + ClusterContext.ID_TAG + "=")) {
                    return a.substring(a.indexOf('=') + 1);
                }
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
