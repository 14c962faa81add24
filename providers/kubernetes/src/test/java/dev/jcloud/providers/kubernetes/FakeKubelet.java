package dev.jcloud.providers.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A kubelet for the mock API server: it runs each new pod of the namespace as a local process and
 * reports back through the pod's status, as a node would. The image's entry point (the engine's
 * main class, see the cli module's image profile) becomes {@code java -cp <this build's class
 * path> dev.jcloud.engine.process.EngineMain} with the container's arguments, so the pods run the
 * real engine in real JVMs.
 *
 * <p>Each pod gets an address of its own on loopback ({@code 127.x.y.z}), and what a container
 * sees differently from this machine is mapped: {@code $(VAR)} in arguments is expanded from the
 * container's environment (the downward API's {@code status.podIP} and {@code metadata.name}),
 * {@code --host 0.0.0.0} (every interface of the pod) becomes the pod's address, and Secret
 * volumes are written under the pod's own directory, with the mount paths in the arguments
 * rewritten to it. The scheduler pod's provider reaches the API server through a kubeconfig given
 * in {@code KUBECONFIG} instead of a mounted service-account token.
 *
 * <p>Images play failures: an image whose name contains {@value #PULL_FAILS} cannot be pulled
 * (the pod waits in {@code ErrImagePull} with an event saying so); one whose tag is
 * {@value #CRASHES} starts the engine with an argument it refuses, so it exits at once with its
 * own error; a pod whose node selector asks for {@code pool=none} is never scheduled.
 */
final class FakeKubelet implements AutoCloseable {

    static final String IMAGE = "jcloud-engine:test";
    static final String PULL_FAILS = "no-such-image";
    static final String CRASHES = "crash";
    private static final String MAIN_CLASS = "dev.jcloud.engine.process.EngineMain";

    private final KubernetesClient client;
    private final String namespace;
    private final Path dir;
    private final Path kubeconfig;
    private final String addressPrefix;
    private final AtomicInteger nextAddress = new AtomicInteger(1);
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final Map<String, Path> logs = new ConcurrentHashMap<>();
    private final AtomicInteger started = new AtomicInteger();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "test-kubelet");
        t.setDaemon(true);
        return t;
    });

    private record Running(String uid, String name, Process process) {}

    FakeKubelet(KubernetesClient client, String namespace, Path dir, Path kubeconfig) {
        this.client = client;
        this.namespace = namespace;
        this.dir = dir;
        this.kubeconfig = kubeconfig;
        // A block of loopback addresses of its own, so engines of several test classes never share one.
        this.addressPrefix = "127." + (20 + (int) (ProcessHandle.current().pid() % 200)) + ".";
        timer.scheduleWithFixedDelay(this::sync, 50, 50, TimeUnit.MILLISECONDS);
    }

    /** The log of pod {@code name} in {@code ns} (empty if it never ran here). */
    String log(String ns, String name) {
        Path f = logs.get(ns + "/" + name);
        try {
            return f == null || !Files.exists(f) ? "" : Files.readString(f);
        } catch (IOException e) {
            return "";
        }
    }

    /** Engine processes started so far. */
    int processesStarted() {
        return started.get();
    }

    /** The engine processes running now. */
    List<ProcessHandle> processes() {
        return running.values().stream().map(r -> r.process().toHandle()).toList();
    }

    /** Kills pod {@code name}'s process as a node failure would; the pod then reports Failed. */
    void kill(String name) {
        running.values().stream().filter(r -> r.name().equals(name)).forEach(r -> {
            r.process().destroyForcibly();
            r.process().onExit().join();
        });
    }

    private void sync() {
        try {
            List<Pod> pods = client.pods().inNamespace(namespace).list().getItems();
            Set<String> present = new HashSet<>();
            for (Pod p : pods) {
                String uid = p.getMetadata().getUid();
                present.add(uid);
                if (seen.add(uid)) {
                    start(p);
                } else {
                    Running r = running.get(uid);
                    if (r != null && !r.process().isAlive()) {
                        running.remove(uid);
                        exited(p, r.process().exitValue());
                    }
                }
            }
            for (Running r : List.copyOf(running.values())) {
                if (!present.contains(r.uid())) {
                    // Deleted: stop the container (SIGTERM, then SIGKILL after the grace period).
                    running.remove(r.uid());
                    r.process().destroy();
                    if (!r.process()
                            .onExit()
                            .completeOnTimeout(null, 5, TimeUnit.SECONDS)
                            .join()
                            .isAlive()) {
                        continue;
                    }
                    r.process().destroyForcibly();
                }
            }
        } catch (KubernetesClientException | IllegalStateException e) {
            // shutting down, or a pod went meanwhile: the next round sees
        } catch (RuntimeException e) {
            e.printStackTrace();
        }
    }

    private void start(Pod pod) {
        String name = pod.getMetadata().getName();
        Container c = pod.getSpec().getContainers().get(0);
        if (pod.getSpec().getNodeSelector() != null
                && "none".equals(pod.getSpec().getNodeSelector().get("pool"))) {
            status(
                    pod,
                    new PodStatusBuilder()
                            .withPhase("Pending")
                            .withConditions(new PodConditionBuilder()
                                    .withType("PodScheduled")
                                    .withStatus("False")
                                    .withReason("Unschedulable")
                                    .withMessage(
                                            "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.")
                                    .build())
                            .build());
            return;
        }
        if (c.getImage().contains(PULL_FAILS)) {
            String message = "rpc error: code = NotFound desc = failed to pull and unpack image \"" + c.getImage()
                    + "\": not found";
            // The event first: whoever sees the failed status finds the event that says why.
            client.v1()
                    .events()
                    .inNamespace(namespace)
                    .resource(new EventBuilder()
                            .withNewMetadata()
                            .withName(name + "." + Long.toHexString(System.nanoTime()))
                            .endMetadata()
                            .withNewInvolvedObject()
                            .withKind("Pod")
                            .withName(name)
                            .withNamespace(namespace)
                            .withUid(pod.getMetadata().getUid())
                            .endInvolvedObject()
                            .withType("Warning")
                            .withReason("Failed")
                            .withMessage("Failed to pull image \"" + c.getImage() + "\": " + message)
                            .withLastTimestamp(Instant.now().toString())
                            .build())
                    .create();
            status(
                    pod,
                    new PodStatusBuilder()
                            .withPhase("Pending")
                            .withContainerStatuses(new ContainerStatusBuilder()
                                    .withName(c.getName())
                                    .withImage(c.getImage())
                                    .withReady(false)
                                    .withNewState()
                                    .withNewWaiting()
                                    .withReason("ErrImagePull")
                                    .withMessage(message)
                                    .endWaiting()
                                    .endState()
                                    .build())
                            .build());
            return;
        }
        int n = nextAddress.getAndIncrement();
        String ip = addressPrefix + (n / 250) + "." + (n % 250 + 1);
        Path podDir = dir.resolve(name + "-" + n);
        try {
            Files.createDirectories(podDir);
            Map<String, String> mounts = mountSecrets(pod, c, podDir);
            Map<String, String> env = environment(pod, c, ip);
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m", "-Xshare:auto"));
            cmd.add("-cp");
            cmd.add(classpath());
            cmd.add(MAIN_CLASS);
            List<String> args = new ArrayList<>(c.getArgs());
            for (int i = 0; i < args.size(); i++) {
                String a = expand(args.get(i), env);
                for (Map.Entry<String, String> m : mounts.entrySet()) {
                    if (a.startsWith(m.getKey() + "/")) {
                        a = m.getValue() + a.substring(m.getKey().length());
                    }
                }
                if (i > 0 && args.get(i - 1).equals("--host") && a.equals("0.0.0.0")) {
                    a = ip; // every interface of the pod: its own address
                }
                args.set(i, a);
            }
            if (c.getImage().endsWith(":" + CRASHES)) {
                args.add("--no-such-flag");
            }
            cmd.addAll(args);
            Path log = podDir.resolve("container.log");
            logs.put(namespace + "/" + name, log);
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .directory(podDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().putAll(env);
            Process process = pb.start();
            started.incrementAndGet();
            running.put(
                    pod.getMetadata().getUid(), new Running(pod.getMetadata().getUid(), name, process));
            status(
                    pod,
                    new PodStatusBuilder()
                            .withPhase("Running")
                            .withPodIP(ip)
                            .withStartTime(Instant.now().toString())
                            .withConditions(new PodConditionBuilder()
                                    .withType("PodScheduled")
                                    .withStatus("True")
                                    .build())
                            .withContainerStatuses(new ContainerStatusBuilder()
                                    .withName(c.getName())
                                    .withImage(c.getImage())
                                    .withReady(true)
                                    .withNewState()
                                    .withNewRunning()
                                    .withStartedAt(Instant.now().toString())
                                    .endRunning()
                                    .endState()
                                    .build())
                            .build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void exited(Pod pod, int code) {
        Container c = pod.getSpec().getContainers().get(0);
        status(
                pod,
                new PodStatusBuilder(pod.getStatus())
                        .withPhase(code == 0 ? "Succeeded" : "Failed")
                        .withContainerStatuses(new ContainerStatusBuilder()
                                .withName(c.getName())
                                .withImage(c.getImage())
                                .withReady(false)
                                .withNewState()
                                .withNewTerminated()
                                .withExitCode(code)
                                .withReason(code == 0 ? "Completed" : "Error")
                                .withFinishedAt(Instant.now().toString())
                                .endTerminated()
                                .endState()
                                .build())
                        .build());
    }

    private void status(Pod pod, PodStatus status) {
        try {
            client.pods()
                    .inNamespace(namespace)
                    .withName(pod.getMetadata().getName())
                    .edit(p -> {
                        p.setStatus(status);
                        return p;
                    });
        } catch (KubernetesClientException e) {
            // deleted meanwhile
        }
    }

    /** Secret volumes written under the pod's directory: mount path to the directory standing in for it. */
    private Map<String, String> mountSecrets(Pod pod, Container c, Path podDir) throws IOException {
        Map<String, String> mounts = new LinkedHashMap<>();
        if (c.getVolumeMounts() == null) {
            return mounts;
        }
        for (VolumeMount m : c.getVolumeMounts()) {
            Volume v = pod.getSpec().getVolumes().stream()
                    .filter(x -> x.getName().equals(m.getName()))
                    .findFirst()
                    .orElseThrow();
            if (v.getSecret() == null) {
                continue;
            }
            Secret s = client.secrets()
                    .inNamespace(namespace)
                    .withName(v.getSecret().getSecretName())
                    .get();
            if (s == null) {
                throw new IllegalStateException("secret " + v.getSecret().getSecretName() + " of pod "
                        + pod.getMetadata().getName() + " is missing");
            }
            Path target = podDir.resolve("volumes").resolve(m.getName());
            Files.createDirectories(target);
            for (Map.Entry<String, String> e : s.getData().entrySet()) {
                Path f = target.resolve(e.getKey());
                Files.write(f, Base64.getDecoder().decode(e.getValue()));
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--------"));
            }
            mounts.put(m.getMountPath(), target.toString());
        }
        return mounts;
    }

    private Map<String, String> environment(Pod pod, Container c, String ip) {
        Map<String, String> env = new LinkedHashMap<>();
        if (c.getEnv() != null) {
            for (EnvVar e : c.getEnv()) {
                if (e.getValue() != null) {
                    env.put(e.getName(), e.getValue());
                } else if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null) {
                    String path = e.getValueFrom().getFieldRef().getFieldPath();
                    env.put(
                            e.getName(),
                            switch (path) {
                                case "status.podIP" -> ip;
                                case "metadata.name" -> pod.getMetadata().getName();
                                case "metadata.namespace" -> namespace;
                                default -> "";
                            });
                }
            }
        }
        if (!Boolean.FALSE.equals(pod.getSpec().getAutomountServiceAccountToken())) {
            // Standing in for the service account's token: the provider in the pod reads this kubeconfig.
            env.put("KUBECONFIG", kubeconfig.toString());
        }
        return env;
    }

    private static String expand(String arg, Map<String, String> env) {
        String out = arg;
        for (Map.Entry<String, String> e : env.entrySet()) {
            out = out.replace("$(" + e.getKey() + ")", e.getValue());
        }
        return out;
    }

    private static String classpath() {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                entries.add(Path.of(entry).toAbsolutePath().normalize().toString());
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        for (Running r : running.values()) {
            r.process().destroyForcibly();
        }
        for (Running r : running.values()) {
            r.process().onExit().join();
        }
        running.clear();
    }
}
