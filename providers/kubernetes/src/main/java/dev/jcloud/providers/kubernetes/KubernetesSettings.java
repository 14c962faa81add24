package dev.jcloud.providers.kubernetes;

import dev.jcloud.config.SettingKey;
import dev.jcloud.config.SettingsSection;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code kubernetes.*} settings: the section the provider contributes to the configuration
 * and to {@code cluster up}'s flags. {@link KubernetesOptions} reads them back from a cluster's
 * options with the same parsers and adds the checks that span keys.
 */
public final class KubernetesSettings {

    /** A DNS-1123 label: what a namespace name must be. */
    static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    /** A CPU quantity: whole or decimal cores, or millicores. */
    static final Pattern CPU = Pattern.compile("([0-9]+(\\.[0-9]{1,3})?|[0-9]+m)");

    /** A memory quantity with a binary or decimal unit. */
    static final Pattern MEMORY = Pattern.compile("[0-9]+(Ki|Mi|Gi|Ti|KiB|MiB|GiB|TiB|k|M|G|T)");

    public static final SettingKey<String> NAMESPACE = SettingKey.matching(
                    "kubernetes.namespace", "default", DNS_LABEL, "a namespace name (lower-case letters, digits, '-')")
            .describedAs("The namespace the cluster's pods and objects live in (default: default).")
            .flag("--namespace", "NAMESPACE");
    public static final SettingKey<Optional<String>> CONTEXT = SettingKey.optionalText("kubernetes.context")
            .describedAs("The kubeconfig context to use (default: the current context, or the pod's service"
                    + " account when run inside a pod).")
            .flag("--context", "CONTEXT");
    public static final SettingKey<Optional<String>> KUBECONFIG = SettingKey.optionalText("kubernetes.kubeconfig")
            .describedAs("The kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).")
            .flag("--kubeconfig", "FILE");
    public static final SettingKey<Optional<String>> IMAGE = SettingKey.optionalText("kubernetes.image")
            .describedAs("The engine container image the pods run (required: build it with"
                    + " 'mvn -Pimage -pl cli -am package -Djcloud.image=REGISTRY/jcloud-engine:TAG').")
            .flag("--image", "IMAGE");
    public static final SettingKey<String> IMAGE_PULL_POLICY = SettingKey.matching(
                    "kubernetes.image-pull-policy",
                    "IfNotPresent",
                    Pattern.compile("Always|IfNotPresent|Never"),
                    "Always, IfNotPresent or Never")
            .describedAs("When the kubelet pulls the image (default: IfNotPresent).");
    public static final SettingKey<String> WORKER_CPU = SettingKey.matching(
                    "kubernetes.worker-cpu", "1", CPU, "cores (e.g. 2, 0.5) or millicores (e.g. 500m)")
            .describedAs("CPU each worker pod requests and is limited to (default: 1).")
            .flag("--worker-cpu", "CPU");
    public static final SettingKey<String> WORKER_MEMORY = SettingKey.matching(
                    "kubernetes.worker-memory", "2GiB", MEMORY, "a size such as 512MiB, 8GiB or 8Gi")
            .describedAs("Memory each worker pod requests and is limited to (default: 2GiB).")
            .flag("--worker-memory", "SIZE");
    public static final SettingKey<String> SCHEDULER_CPU = SettingKey.matching(
                    "kubernetes.scheduler-cpu", "1", CPU, "cores (e.g. 2, 0.5) or millicores (e.g. 500m)")
            .describedAs("CPU the scheduler pod requests and is limited to (default: 1).");
    public static final SettingKey<String> SCHEDULER_MEMORY = SettingKey.matching(
                    "kubernetes.scheduler-memory", "2GiB", MEMORY, "a size such as 512MiB, 8GiB or 8Gi")
            .describedAs("Memory the scheduler pod requests and is limited to (default: 2GiB).");
    public static final SettingKey<Optional<String>> NODE_SELECTOR = SettingKey.optionalMatching(
                    "kubernetes.node-selector",
                    Pattern.compile("[A-Za-z0-9./_-]+=[A-Za-z0-9._-]*(,[A-Za-z0-9./_-]+=[A-Za-z0-9._-]*)*"),
                    "comma-separated KEY=VALUE node labels, e.g. pool=spot")
            .describedAs("Node labels the worker pods must run on, e.g. pool=spot (default: any node).")
            .flag("--node-selector", "KEY=VALUE");
    public static final SettingKey<Optional<String>> SERVICE_ACCOUNT = SettingKey.optionalMatching(
                    "kubernetes.service-account", DNS_LABEL, "an existing service account's name")
            .describedAs("An existing service account for the scheduler pod instead of the one the cluster makes"
                    + " (it needs pods create/delete/get/list/watch in the namespace).")
            .flag("--service-account", "NAME");
    public static final SettingKey<String> SERVICE_TYPE = SettingKey.matching(
                    "kubernetes.service-type",
                    "ClusterIP",
                    Pattern.compile("ClusterIP|LoadBalancer"),
                    "ClusterIP or LoadBalancer")
            .describedAs("How the scheduler's Service is exposed: ClusterIP (in-cluster clients and pod"
                    + " addresses; default) or LoadBalancer (an external address).")
            .flag("--service-type", "TYPE");
    public static final SettingKey<Optional<String>> ALLOW_FROM = SettingKey.optionalFirewallCidrs(
                    "kubernetes.allow-from")
            .describedAs("Who may reach the scheduler and dashboard from outside the cluster's pods, as CIDR"
                    + " blocks (default: only the cluster's pods).")
            .flag("--allow-from", "CIDR");
    public static final SettingKey<Integer> MAX_WORKERS = SettingKey.wholeNumber(
                    "kubernetes.max-workers", 1000, 0, 100_000)
            .describedAs("The hard maximum of worker pods, enforced where pods are created.");
    public static final SettingKey<Optional<String>> NODE_PRICE = SettingKey.optionalMatching(
                    "kubernetes.worker-price", Pattern.compile("[0-9]+(\\.[0-9]+)?"), "US dollars per hour, e.g. 0.12")
            .describedAs("What one worker pod's share of its node pool costs per hour in US dollars; without it"
                    + " costs are counted in pod-hours.");

    /** The {@code kubernetes.*} keys. */
    public static final SettingsSection SECTION = SettingsSection.of(
            "kubernetes",
            NAMESPACE,
            CONTEXT,
            KUBECONFIG,
            IMAGE,
            IMAGE_PULL_POLICY,
            WORKER_CPU,
            WORKER_MEMORY,
            SCHEDULER_CPU,
            SCHEDULER_MEMORY,
            NODE_SELECTOR,
            SERVICE_ACCOUNT,
            SERVICE_TYPE,
            ALLOW_FROM,
            MAX_WORKERS,
            NODE_PRICE);

    private KubernetesSettings() {}
}
