package dev.jcloud.providers.azure;

import dev.jcloud.config.SettingKey;
import dev.jcloud.config.SettingsSection;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code azure} settings section: one declaration per key, used by the configuration to
 * validate files, variables and flags and by {@link AzureOptions} to read a cluster's options
 * back. Rules that need several keys are checked by {@link AzureOptions} before anything is
 * created.
 */
public final class AzureSettings {

    /** Workers: 4 vCPUs, 16 GiB. */
    static final String DEFAULT_WORKER_SIZE = "Standard_D4s_v5";
    /** The scheduler needs less than a worker: 2 vCPUs, 8 GiB. */
    static final String DEFAULT_SCHEDULER_SIZE = "Standard_D2s_v5";

    public static final SettingKey<Optional<String>> SUBSCRIPTION = SettingKey.optionalText(AzureOptions.SUBSCRIPTION)
            .describedAs("The subscription id (default: the credentials' subscription).")
            .flag("--subscription", "ID");
    public static final SettingKey<String> LOCATION = SettingKey.text(
                    AzureOptions.LOCATION, AzureOptions.DEFAULT_LOCATION)
            .describedAs("The location (default: " + AzureOptions.DEFAULT_LOCATION + ").")
            .flag("--location", "LOCATION");
    public static final SettingKey<String> VM_SIZE = SettingKey.text(AzureOptions.VM_SIZE, DEFAULT_WORKER_SIZE)
            .describedAs("VM size of the workers (default: " + DEFAULT_WORKER_SIZE + ").")
            .flag("--vm-size", "SIZE");
    public static final SettingKey<String> SCHEDULER_VM_SIZE = SettingKey.text(
                    AzureOptions.SCHEDULER_VM_SIZE, DEFAULT_SCHEDULER_SIZE)
            .describedAs("VM size of the scheduler (default: " + DEFAULT_SCHEDULER_SIZE + ").");
    public static final SettingKey<Boolean> SPOT = SettingKey.bool(AzureOptions.SPOT)
            .describedAs("Workers on Spot VMs, falling back to regular ones when Azure has no Spot capacity.")
            .flag("--spot", "true|false");
    public static final SettingKey<Optional<String>> ALLOW_FROM = SettingKey.optionalFirewallCidrs(
                    AzureOptions.ALLOW_FROM)
            .describedAs(
                    "Who may reach the scheduler and dashboard, as CIDR blocks (default: your public address /32).")
            .flag("--allow-from", "CIDR");
    public static final SettingKey<Optional<String>> VNET = SettingKey.optionalText(AzureOptions.VNET)
            .describedAs("An existing virtual network (default: one made for the cluster).");
    public static final SettingKey<Optional<String>> SUBNET =
            SettingKey.optionalText(AzureOptions.SUBNET).describedAs("A subnet of that virtual network.");
    public static final SettingKey<Boolean> PUBLIC_IP =
            SettingKey.bool(AzureOptions.PUBLIC_IP).describedAs("Whether VMs get public addresses (default: true).");
    public static final SettingKey<String> IMAGE = SettingKey.text(AzureOptions.IMAGE, AzureOptions.DEFAULT_IMAGE)
            .describedAs("Marketplace image publisher:offer:sku:version.");
    public static final SettingKey<Integer> OS_DISK_GIB =
            SettingKey.wholeNumber(AzureOptions.OS_DISK_GIB, 30, 30, 4095).describedAs("OS disk size in GiB.");
    public static final SettingKey<Optional<String>> ENGINE_URL = SettingKey.optionalText(AzureOptions.ENGINE_URL)
            .describedAs("Where machines download the engine (with engine-sha256); default: uploaded to Blob storage.");
    public static final SettingKey<Optional<String>> ENGINE_SHA256 =
            SettingKey.optionalText(AzureOptions.ENGINE_SHA256).describedAs("The SHA-256 of the engine at engine-url.");
    public static final SettingKey<Integer> MAX_WORKERS = SettingKey.wholeNumber(
                    AzureOptions.MAX_WORKERS, 1000, 0, AzureOptions.WORKER_CEILING)
            .describedAs("The hard maximum of workers, enforced where machines are created.");
    public static final SettingKey<Duration> BILLING_MINIMUM = SettingKey.duration(
                    AzureOptions.BILLING_MINIMUM, "60s", Duration.ofHours(1))
            .describedAs("The billed minimum per VM start, up to 1h (some sources report 5 minutes).");

    public static final SettingsSection SECTION = SettingsSection.of(
            "azure",
            SUBSCRIPTION,
            LOCATION,
            VM_SIZE,
            SCHEDULER_VM_SIZE,
            SPOT,
            ALLOW_FROM,
            VNET,
            SUBNET,
            PUBLIC_IP,
            IMAGE,
            OS_DISK_GIB,
            ENGINE_URL,
            ENGINE_SHA256,
            MAX_WORKERS,
            BILLING_MINIMUM);

    private AzureSettings() {}
}
