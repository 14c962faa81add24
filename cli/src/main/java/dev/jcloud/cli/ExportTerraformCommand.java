package dev.jcloud.cli;

import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.terraform.TerraformExporter;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jcloud export-terraform}: writes a cluster as a self-contained Terraform module, a fixed
 * and always-on deployment of what {@code cluster up} creates. Every input is checked before
 * anything is written.
 */
@Command(name = "export-terraform", mixinStandardHelpOptions = true,
        description = {"Write a fixed, always-on cluster as a Terraform module (no adaptive scaling, no idle",
                "teardown; for those use 'jcloud cluster up'). Then: cd DIR && terraform init && terraform apply."})
final class ExportTerraformCommand implements Callable<Integer> {

    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}");
    private static final Pattern INSTANCE_TYPE = Pattern.compile("[a-z][a-z0-9-]*[0-9][a-z0-9-]*\\.[a-z0-9]+");
    private static final Pattern AMI = Pattern.compile("ami-[0-9a-f]{8,17}");
    private static final Pattern IPV4_CIDR = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})");

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--provider", paramLabel = "PROVIDER", description = "aws (fargate, gcp, azure: not yet).")
    String provider;

    @Option(names = "--cluster", paramLabel = "NAME", description = "Export a running cluster's spec (not yet).")
    String cluster;

    @Option(names = "--workers", paramLabel = "N", description = "Fixed number of workers, >= 0.")
    Integer workers;

    @Option(names = "--name", paramLabel = "NAME", description = "The cluster's name (default: a fresh fixed-xxxx).")
    String name;

    @Option(names = "--region", paramLabel = "REGION", defaultValue = "us-east-1", description = "Default: ${DEFAULT-VALUE}.")
    String region;

    @Option(names = "--worker-type", paramLabel = "TYPE", defaultValue = "m6i.large", description = "Default: ${DEFAULT-VALUE}.")
    String workerType;

    @Option(names = "--scheduler-type", paramLabel = "TYPE", defaultValue = "m6i.large", description = "Default: ${DEFAULT-VALUE}.")
    String schedulerType;

    @Option(names = "--allow-from", paramLabel = "CIDR", split = ",",
            description = "IPv4 CIDR allowed to reach the scheduler and dashboard (repeatable). Default: none.")
    List<String> allowFrom = new ArrayList<>();

    @Option(names = "--ami", paramLabel = "AMI", description = "Machine image (default: set ami_id in terraform.tfvars).")
    String ami;

    @Option(names = "--engine-url", paramLabel = "URL",
            description = "Where machines download the engine (https; e.g. a presigned S3 URL).")
    String engineUrl;

    @Option(names = "--engine-sha256", paramLabel = "HEX", description = "The engine download's SHA-256.")
    String engineSha256;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "New or empty directory to write to.")
    Path out;

    @Override
    public Integer call() {
        if (cluster != null) {
            throw new IllegalArgumentException("--cluster: exporting a running cluster's spec is not supported yet:"
                    + " give --provider aws --workers N and its settings instead");
        }
        if (provider == null) {
            throw new IllegalArgumentException("--provider: missing; use --provider aws");
        }
        if (!provider.equals("aws")) {
            if (List.of("fargate", "gcp", "azure").contains(provider)) {
                throw new IllegalArgumentException("--provider: Terraform export for " + provider
                        + " is not supported yet: use aws");
            }
            throw new IllegalArgumentException("--provider: must be aws (fargate, gcp, azure: not yet), was '" + provider + "'");
        }
        if (workers == null) {
            throw new IllegalArgumentException("--workers: missing; give the fixed number of workers, >= 0");
        }
        if (workers < 0) {
            throw new IllegalArgumentException("--workers: must be >= 0 (was " + workers + ")");
        }
        String clusterName = name == null ? ClusterNames.generate("fixed") : name;
        try {
            ClusterNames.check(clusterName);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--name: " + e.getMessage());
        }
        check("--region", region, REGION, "an AWS region such as us-east-1");
        check("--worker-type", workerType, INSTANCE_TYPE, "an instance type such as m6i.large");
        check("--scheduler-type", schedulerType, INSTANCE_TYPE, "an instance type such as m6i.large");
        if (ami != null) {
            check("--ami", ami, AMI, "an AMI id such as ami-0123abcd");
        }
        List<String> cidrs = allowFrom.stream().map(String::strip).map(ExportTerraformCommand::cidr).toList();
        EngineArtifact engine = engine();

        TerraformExporter.AwsSpec aws = TerraformExporter.AwsSpec.of(clusterName, workers, engine)
                .withRegion(region).withWorkerType(workerType).withSchedulerType(schedulerType).withAllowFrom(cidrs);
        if (ami != null) {
            aws = aws.withAmi(ami);
        }
        new TerraformExporter().exportAws(aws, out);
        PrintWriter w = spec.commandLine().getOut();
        w.printf("wrote Terraform module for fixed cluster %s (%d workers, aws %s) to %s%n", clusterName, workers, region, out);
        if (cidrs.isEmpty()) {
            w.println("note: no --allow-from: the scheduler and dashboard are reachable only inside the cluster;"
                    + " set allow_from in terraform.tfvars to connect from outside");
        }
        w.printf("next: cd %s && terraform init && terraform apply%n", out);
        w.flush();
        return 0;
    }

    private EngineArtifact engine() {
        if (engineUrl == null || engineSha256 == null) {
            throw new IllegalArgumentException("--engine-url and --engine-sha256: missing; the machines download the"
                    + " engine from that URL and start it only if its SHA-256 matches");
        }
        try {
            return EngineArtifact.of(new URI(engineUrl), engineSha256);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--engine-url: not a URL: '" + engineUrl + "'");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--engine-url/--engine-sha256: " + e.getMessage());
        }
    }

    private static void check(String flag, String value, Pattern format, String expected) {
        if (!format.matcher(value).matches()) {
            throw new IllegalArgumentException(flag + ": must be " + expected + ", was '" + value + "'");
        }
    }

    /** An IPv4 CIDR with no host bits set, as the security group accepts it. */
    private static String cidr(String value) {
        Matcher m = IPV4_CIDR.matcher(value);
        String expected = "an IPv4 CIDR block such as 203.0.113.7/32";
        if (!m.matches()) {
            throw new IllegalArgumentException("--allow-from: must be " + expected + ", was '" + value + "'");
        }
        long address = 0;
        for (int i = 1; i <= 4; i++) {
            int octet = Integer.parseInt(m.group(i));
            if (octet > 255) {
                throw new IllegalArgumentException("--allow-from: must be " + expected + " (each number 0-255), was '"
                        + value + "'");
            }
            address = (address << 8) | octet;
        }
        int prefix = Integer.parseInt(m.group(5));
        if (prefix > 32) {
            throw new IllegalArgumentException("--allow-from: prefix length must be 0-32, was '" + value + "'");
        }
        long hostBits = prefix == 32 ? 0 : (1L << (32 - prefix)) - 1;
        if ((address & hostBits) != 0) {
            throw new IllegalArgumentException("--allow-from: '" + value + "' has host bits set; give the network address"
                    + " of the block");
        }
        return value;
    }
}
