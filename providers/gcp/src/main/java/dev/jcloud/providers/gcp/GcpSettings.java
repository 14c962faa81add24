package dev.jcloud.providers.gcp;

import dev.jcloud.config.SettingKey;
import dev.jcloud.config.SettingsSection;
import java.util.Optional;

/**
 * The {@code gcp} settings section: one declaration per key, used by the configuration to
 * validate files, variables and flags and by {@link GcpOptions} to read a cluster's options back.
 * Keys whose rules need other keys (zones of one region, a subnetwork of the network) are checked
 * by {@link GcpOptions} before anything is created.
 */
public final class GcpSettings {

    /** Workers: 4 vCPUs, 16 GB. */
    static final String DEFAULT_WORKER_TYPE = "e2-standard-4";
    /** The scheduler needs less than a worker: 2 vCPUs, 8 GB. */
    static final String DEFAULT_SCHEDULER_TYPE = "e2-standard-2";

    public static final SettingKey<Optional<String>> PROJECT = SettingKey.optionalText(GcpOptions.PROJECT)
            .describedAs("The Google Cloud project (default: the credentials' project).")
            .flag("--project", "ID");
    public static final SettingKey<String> ZONE = SettingKey.text(GcpOptions.ZONE, GcpOptions.DEFAULT_ZONE)
            .describedAs("The zone (default: " + GcpOptions.DEFAULT_ZONE + ").")
            .flag("--zone", "ZONE");
    public static final SettingKey<Optional<String>> ZONES = SettingKey.optionalText(GcpOptions.ZONES)
            .describedAs("Other zones of the same region to try when the zone has no capacity, comma-separated.");
    public static final SettingKey<String> MACHINE_TYPE = SettingKey.text(GcpOptions.MACHINE_TYPE, DEFAULT_WORKER_TYPE)
            .describedAs("Machine type of the workers (default: " + DEFAULT_WORKER_TYPE + ").")
            .flag("--machine-type", "TYPE");
    public static final SettingKey<String> SCHEDULER_MACHINE_TYPE = SettingKey.text(
                    GcpOptions.SCHEDULER_MACHINE_TYPE, DEFAULT_SCHEDULER_TYPE)
            .describedAs("Machine type of the scheduler (default: " + DEFAULT_SCHEDULER_TYPE + ").");
    public static final SettingKey<Boolean> SPOT = SettingKey.bool(GcpOptions.SPOT)
            .describedAs("Workers on Spot VMs, falling back to standard ones when Spot capacity is exhausted.")
            .flag("--spot", "true|false");
    public static final SettingKey<Optional<String>> NETWORK = SettingKey.optionalText(GcpOptions.NETWORK)
            .describedAs("The VPC network (default: default).")
            .flag("--network", "NAME");
    public static final SettingKey<Optional<String>> SUBNETWORK = SettingKey.optionalText(GcpOptions.SUBNETWORK)
            .describedAs("The subnetwork (needs --network).")
            .flag("--subnetwork", "NAME");
    public static final SettingKey<Optional<String>> ALLOW_FROM = SettingKey.optionalFirewallCidrs(
                    GcpOptions.ALLOW_FROM)
            .describedAs(
                    "Who may reach the scheduler and dashboard, as CIDR blocks (default: your public address /32).")
            .flag("--allow-from", "CIDR");
    public static final SettingKey<String> IMAGE =
            SettingKey.text(GcpOptions.IMAGE, GcpOptions.DEFAULT_IMAGE).describedAs("Boot image or image family.");
    public static final SettingKey<Integer> BOOT_DISK_GB =
            SettingKey.wholeNumber(GcpOptions.BOOT_DISK_GB, 20, 10, 65_536).describedAs("Boot disk size in GB.");
    public static final SettingKey<Optional<String>> ENGINE_URL = SettingKey.optionalText(GcpOptions.ENGINE_URL)
            .describedAs(
                    "Where machines download the engine (with engine-sha256); default: uploaded to Cloud Storage.");
    public static final SettingKey<Optional<String>> ENGINE_SHA256 =
            SettingKey.optionalText(GcpOptions.ENGINE_SHA256).describedAs("The SHA-256 of the engine at engine-url.");
    public static final SettingKey<Integer> MAX_WORKERS = SettingKey.wholeNumber(
                    GcpOptions.MAX_WORKERS, 1000, 0, 100_000)
            .describedAs("The hard maximum of workers, enforced where machines are created.");
    public static final SettingKey<Optional<String>> SERVICE_ACCOUNT = SettingKey.optionalText(
                    GcpOptions.SERVICE_ACCOUNT)
            .describedAs("The machines' service account (default: one made for the cluster).");

    public static final SettingsSection SECTION = SettingsSection.of(
            "gcp",
            PROJECT,
            ZONE,
            ZONES,
            MACHINE_TYPE,
            SCHEDULER_MACHINE_TYPE,
            SPOT,
            NETWORK,
            SUBNETWORK,
            ALLOW_FROM,
            IMAGE,
            BOOT_DISK_GB,
            ENGINE_URL,
            ENGINE_SHA256,
            MAX_WORKERS,
            SERVICE_ACCOUNT);

    private GcpSettings() {}
}
