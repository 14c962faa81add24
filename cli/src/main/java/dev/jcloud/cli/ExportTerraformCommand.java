package dev.jcloud.cli;

import dev.jcloud.picocli.CommandLine.Command;
import dev.jcloud.picocli.CommandLine.Mixin;
import dev.jcloud.picocli.CommandLine.Model.CommandSpec;
import dev.jcloud.picocli.CommandLine.Option;
import dev.jcloud.picocli.CommandLine.Spec;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.terraform.AwsNetwork;
import dev.jcloud.terraform.AwsSpec;
import dev.jcloud.terraform.AzureSpec;
import dev.jcloud.terraform.ClusterRecords;
import dev.jcloud.terraform.FargateSpec;
import dev.jcloud.terraform.FixedCluster;
import dev.jcloud.terraform.GcpSpec;
import dev.jcloud.terraform.ModuleSpec;
import dev.jcloud.terraform.TerraformExporter;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code jcloud export-terraform}: writes a cluster as a self-contained Terraform module, a fixed
 * and always-on deployment of what {@code cluster up} creates, for aws (EC2), fargate, gcp or
 * azure, from flags ({@code --provider}) or from a running cluster's record ({@code --cluster}).
 * Every input is checked before anything is written.
 */
@Command(
        name = "export-terraform",
        mixinStandardHelpOptions = true,
        description = {
            "Write a fixed, always-on cluster as a Terraform module (no adaptive scaling, no idle",
            "teardown; for those use 'jcloud cluster up'). Then: cd DIR && terraform init && terraform apply."
        })
final class ExportTerraformCommand implements Callable<Integer> {

    private static final Set<String> PROVIDERS = Set.of("aws", "fargate", "gcp", "azure");
    private static final Pattern AWS_REGION = Pattern.compile("[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}");
    private static final Pattern EC2_TYPE = Pattern.compile("[a-z][a-z0-9-]*[0-9][a-z0-9-]*\\.[a-z0-9]+");
    private static final Pattern AMI = Pattern.compile("ami-[0-9a-f]{8,17}");
    private static final Pattern SUBNET = Pattern.compile("subnet-[0-9a-f]{8,17}");
    private static final Pattern VPC = Pattern.compile("vpc-[0-9a-f]{8,17}|new");
    private static final Pattern GCP_ZONE = Pattern.compile("[a-z]+-[a-z]+[0-9]+-[a-z]");
    private static final Pattern GCP_MACHINE = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)+");
    private static final Pattern GCP_PROJECT = Pattern.compile("[a-z][a-z0-9-]{4,28}[a-z0-9]");
    private static final Pattern GCP_NAME = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern AZURE_LOCATION = Pattern.compile("[a-z][a-z0-9]{2,39}");
    private static final Pattern AZURE_SIZE = Pattern.compile("(Standard|Basic)_[A-Za-z0-9_-]+");
    private static final Pattern GUID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern IMAGE = Pattern.compile("[^\\s\"'\\\\]{1,1024}");
    private static final Pattern MEMORY = Pattern.compile("auto|[0-9]+(\\.[0-9]+)?([KMGT]i?B|[KMGTkmgt]|kB|B)?");
    private static final Pattern IPV4_CIDR =
            Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})");
    private static final List<Integer> FARGATE_CPUS = List.of(256, 512, 1024, 2048, 4096, 8192, 16384);

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--provider", paramLabel = "PROVIDER", description = "aws, fargate, gcp or azure.")
    String provider;

    @Option(
            names = "--cluster",
            paramLabel = "NAME",
            description =
                    "Export the spec of running cluster NAME (its provider, options, workers, threads, memory) as a"
                            + " new fixed cluster with its own id.")
    String cluster;

    @Option(
            names = "--workers",
            paramLabel = "N",
            description = "Fixed number of workers, >= 0 (with --cluster: default its count).")
    Integer workers;

    @Option(names = "--name", paramLabel = "NAME", description = "The cluster's name (default: a fresh fixed-xxxx).")
    String name;

    @Option(
            names = "--region",
            paramLabel = "REGION",
            description = "AWS region (aws, fargate; default us-east-1) or Azure location (azure; default eastus).")
    String region;

    @Option(names = "--zone", paramLabel = "ZONE", description = "GCP zone (gcp; default us-central1-a).")
    String zone;

    @Option(
            names = "--worker-type",
            paramLabel = "TYPE",
            description =
                    "Worker instance type / machine type / VM size (default m6i.large, e2-standard-4, Standard_D4s_v5).")
    String workerType;

    @Option(
            names = "--scheduler-type",
            paramLabel = "TYPE",
            description = "Scheduler type (default: as --worker-type).")
    String schedulerType;

    @Option(
            names = "--allow-from",
            paramLabel = "CIDR",
            split = ",",
            description = "IPv4 CIDR allowed to reach the scheduler and dashboard (repeatable). Default: none.")
    List<String> allowFrom = new ArrayList<>();

    @Option(
            names = "--nthreads",
            paramLabel = "N",
            description = "Task threads per worker, 0 = one per core (default).")
    Integer nthreads;

    @Option(
            names = "--memory-limit",
            paramLabel = "SIZE",
            description = "Memory per worker, e.g. 6GiB (default: auto).")
    String memoryLimit;

    @Option(
            names = "--spot",
            description = "Spot workers (fargate: FARGATE_SPOT, gcp: Spot VMs, azure: Spot priority).")
    boolean spot;

    @Option(
            names = "--ami",
            paramLabel = "AMI",
            description = "aws: machine image (default: set ami_id in terraform.tfvars).")
    String ami;

    @Option(names = "--subnet", paramLabel = "ID", description = "aws, fargate: an existing subnet.")
    String subnet;

    @Option(
            names = "--vpc",
            paramLabel = "ID|new",
            description =
                    "aws, fargate: an existing VPC, or 'new' for a dedicated VPC made and removed with the cluster.")
    String vpc;

    @Option(
            names = "--image",
            paramLabel = "IMAGE",
            description = "fargate: the engine's container image (best by digest).")
    String image;

    @Option(names = "--worker-cpu", paramLabel = "UNITS", description = "fargate: CPU units per worker (default 1024).")
    Integer workerCpu;

    @Option(names = "--worker-memory", paramLabel = "MIB", description = "fargate: MiB per worker (default 4096).")
    Integer workerMemory;

    @Option(
            names = "--project",
            paramLabel = "PROJECT",
            description = "gcp: the project (default: the credentials' project).")
    String project;

    @Option(names = "--network", paramLabel = "NAME", description = "gcp: the VPC network (default: default).")
    String network;

    @Option(names = "--subnetwork", paramLabel = "NAME", description = "gcp: the subnetwork.")
    String subnetwork;

    @Option(names = "--subscription", paramLabel = "ID", description = "azure: the subscription id.")
    String subscription;

    @Option(
            names = "--engine-url",
            paramLabel = "URL",
            description = "aws, gcp, azure: where machines download the engine (https; e.g. a presigned S3 URL).")
    String engineUrl;

    @Option(names = "--engine-sha256", paramLabel = "HEX", description = "The engine download's SHA-256.")
    String engineSha256;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "New or empty directory to write to.")
    Path out;

    @Override
    public Integer call() {
        ModuleSpec module = cluster != null ? fromCluster() : fromFlags();
        new TerraformExporter().export(module, out);
        PrintWriter w = spec.commandLine().getOut();
        FixedCluster c = module.cluster();
        w.printf(
                "wrote Terraform module for fixed cluster %s (%d workers, %s %s) to %s%n",
                c.name(), c.workers(), module.provider(), module.where(), out);
        if (cluster != null) {
            w.printf(
                    "note: a new cluster with the spec of %s, with its own id %s (the running cluster is not touched)%n",
                    cluster, c.clusterId());
        }
        if (c.allowFrom().isEmpty()) {
            w.println("note: no --allow-from: the scheduler and dashboard are reachable only inside the cluster;"
                    + " set allow_from in terraform.tfvars to connect from outside");
        }
        w.printf(
                "next: cd %s && export TF_VAR_join_token=\"$(openssl rand -hex 32)\" && terraform init && terraform apply%n",
                out);
        w.flush();
        return 0;
    }

    /** The spec of a running cluster, from its record; flags given as well override it. */
    private ModuleSpec fromCluster() {
        if (provider != null) {
            throw new IllegalArgumentException(
                    "--cluster and --provider: give one (the cluster's record names its provider)");
        }
        try {
            ClusterNames.check(cluster);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--cluster: " + e.getMessage());
        }
        ClusterStateStore store = ClusterStateStore.forUser();
        ClusterRecord record = store.load(cluster)
                .orElseThrow(() -> new IllegalArgumentException("--cluster: no cluster" + " named " + cluster + " in "
                        + store.stateDir() + " (see 'jcloud cluster list')"));
        Optional<EngineArtifact> engine =
                engineUrl != null || engineSha256 != null ? Optional.of(engine()) : Optional.empty();
        ModuleSpec s = ClusterRecords.toSpec(record, engine);
        FixedCluster c = overrideCommon(s.cluster());
        if (s instanceof AwsSpec a) {
            return a.withCluster(x -> c);
        } else if (s instanceof FargateSpec f) {
            return f.withCluster(x -> c);
        } else if (s instanceof GcpSpec g) {
            return g.withCluster(x -> c);
        }
        return ((AzureSpec) s).withCluster(x -> c);
    }

    private FixedCluster overrideCommon(FixedCluster c) {
        if (name != null) {
            throw new IllegalArgumentException("--name: the export of --cluster " + cluster + " keeps its name");
        }
        if (workers != null) {
            c = new FixedCluster(
                    c.name(), c.clusterId(), checkWorkers(), c.nthreads(), c.memoryLimit(), c.allowFrom(), c.tags());
        }
        if (!allowFrom.isEmpty()) {
            c = c.withAllowFrom(cidrs());
        }
        if (nthreads != null) {
            c = c.withNthreads(checkNthreads());
        }
        if (memoryLimit != null) {
            c = c.withMemoryLimit(checkMemory());
        }
        return c;
    }

    private ModuleSpec fromFlags() {
        if (provider == null) {
            throw new IllegalArgumentException(
                    "--provider: missing; use --provider aws|fargate|gcp|azure, or --cluster NAME");
        }
        if (!PROVIDERS.contains(provider)) {
            throw new IllegalArgumentException(
                    "--provider: must be aws, fargate, gcp or azure, was '" + provider + "'");
        }
        if (workers == null) {
            throw new IllegalArgumentException("--workers: missing; give the fixed number of workers, >= 0");
        }
        String clusterName = name == null ? ClusterNames.generate("fixed") : name;
        try {
            ClusterNames.check(clusterName);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--name: " + e.getMessage());
        }
        FixedCluster c = FixedCluster.of(clusterName, checkWorkers())
                .withAllowFrom(cidrs())
                .withNthreads(nthreads == null ? 0 : checkNthreads())
                .withMemoryLimit(memoryLimit == null ? "auto" : checkMemory());
        refuseOthers();
        return switch (provider) {
            case "aws" -> aws(c);
            case "fargate" -> fargate(c);
            case "gcp" -> gcp(c);
            default -> azure(c);
        };
    }

    private AwsSpec aws(FixedCluster c) {
        String r =
                check("--region", region == null ? "us-east-1" : region, AWS_REGION, "an AWS region such as us-east-1");
        String wt = check(
                "--worker-type",
                workerType == null ? "m6i.large" : workerType,
                EC2_TYPE,
                "an instance type such as m6i.large");
        String st = check(
                "--scheduler-type",
                schedulerType == null ? wt : schedulerType,
                EC2_TYPE,
                "an instance type such as m6i.large");
        AwsSpec s = AwsSpec.of(c.name(), c.workers(), engine())
                .withCluster(x -> c)
                .withRegion(r)
                .withWorkerType(wt)
                .withSchedulerType(st)
                .withNetwork(awsNetwork());
        if (ami != null) {
            s = s.withAmi(check("--ami", ami, AMI, "an AMI id such as ami-0123abcd"));
        }
        return s;
    }

    private FargateSpec fargate(FixedCluster c) {
        String r =
                check("--region", region == null ? "us-east-1" : region, AWS_REGION, "an AWS region such as us-east-1");
        if (engineUrl != null || engineSha256 != null) {
            throw new IllegalArgumentException(
                    "--engine-url/--engine-sha256: fargate runs the engine's container image;"
                            + " give --image instead");
        }
        int cpu = workerCpu == null ? 1024 : workerCpu;
        int memory = workerMemory == null ? 4096 : workerMemory;
        if (!FARGATE_CPUS.contains(cpu)) {
            throw new IllegalArgumentException(
                    "--worker-cpu: must be one of 256, 512, 1024, 2048, 4096, 8192, 16384, was " + cpu);
        }
        if (memory < 512 || memory > 122_880) {
            throw new IllegalArgumentException("--worker-memory: must be 512 to 122880 MiB, was " + memory);
        }
        FargateSpec s = FargateSpec.of(c.name(), c.workers())
                .withCluster(x -> c)
                .withRegion(r)
                .withSpot(spot)
                .withWorkerSize(cpu, memory)
                .withNetwork(awsNetwork());
        if (image != null) {
            s = s.withImage(check(
                    "--image",
                    image,
                    IMAGE,
                    "a container image reference such as"
                            + " 123456789012.dkr.ecr.us-east-1.amazonaws.com/jcloud-engine@sha256:..."));
        }
        return s;
    }

    private GcpSpec gcp(FixedCluster c) {
        if (region != null) {
            throw new IllegalArgumentException(
                    "--region: gcp places machines in a zone: use --zone, e.g. us-central1-a");
        }
        String z = check("--zone", zone == null ? "us-central1-a" : zone, GCP_ZONE, "a GCP zone such as us-central1-a");
        String wt = check(
                "--worker-type",
                workerType == null ? "e2-standard-4" : workerType,
                GCP_MACHINE,
                "a machine type such as e2-standard-4");
        String st = check(
                "--scheduler-type",
                schedulerType == null ? wt : schedulerType,
                GCP_MACHINE,
                "a machine type such as e2-standard-4");
        String net = check("--network", network == null ? "default" : network, GCP_NAME, "a VPC network name");
        Optional<String> sub =
                Optional.ofNullable(subnetwork).map(s -> check("--subnetwork", s, GCP_NAME, "a subnetwork name"));
        GcpSpec s = GcpSpec.of(c.name(), c.workers(), engine())
                .withCluster(x -> c)
                .withZone(z)
                .withMachineTypes(st, wt)
                .withSpot(spot)
                .withNetwork(net, sub);
        if (project != null) {
            s = s.withProject(check("--project", project, GCP_PROJECT, "a GCP project id such as my-project-123"));
        }
        return s;
    }

    private AzureSpec azure(FixedCluster c) {
        String l = check(
                "--region", region == null ? "eastus" : region, AZURE_LOCATION, "an Azure location such as eastus");
        String wt = check(
                "--worker-type",
                workerType == null ? "Standard_D4s_v5" : workerType,
                AZURE_SIZE,
                "a VM size such as Standard_D4s_v5");
        String st = check(
                "--scheduler-type",
                schedulerType == null ? wt : schedulerType,
                AZURE_SIZE,
                "a VM size such as Standard_D4s_v5");
        AzureSpec s = AzureSpec.of(c.name(), c.workers(), engine())
                .withCluster(x -> c)
                .withLocation(l)
                .withSizes(st, wt)
                .withSpot(spot);
        if (subscription != null) {
            s = s.withSubscription(check("--subscription", subscription, GUID, "a subscription id (a GUID)"));
        }
        return s;
    }

    /** Flags that belong to other providers are an error, not silently ignored. */
    private void refuseOthers() {
        boolean aws = provider.equals("aws");
        boolean amazon = aws || provider.equals("fargate");
        refuse("--ami", ami, aws);
        refuse("--subnet", subnet, amazon);
        refuse("--vpc", vpc, amazon);
        refuse("--image", image, provider.equals("fargate"));
        refuse("--worker-cpu", workerCpu, provider.equals("fargate"));
        refuse("--worker-memory", workerMemory, provider.equals("fargate"));
        refuse("--zone", zone, provider.equals("gcp"));
        refuse("--project", project, provider.equals("gcp"));
        refuse("--network", network, provider.equals("gcp"));
        refuse("--subnetwork", subnetwork, provider.equals("gcp"));
        refuse("--subscription", subscription, provider.equals("azure"));
        if (spot && aws) {
            throw new IllegalArgumentException(
                    "--spot: not available for aws (EC2) exports yet; use fargate, gcp or azure");
        }
    }

    private void refuse(String flag, Object value, boolean applies) {
        if (value != null && !applies) {
            throw new IllegalArgumentException(flag + ": does not apply to --provider " + provider);
        }
    }

    private AwsNetwork awsNetwork() {
        if (subnet != null && vpc != null) {
            throw new IllegalArgumentException("--subnet and --vpc: give one");
        }
        if (subnet != null) {
            return AwsNetwork.subnet(check("--subnet", subnet, SUBNET, "a subnet id such as subnet-0123abcd"));
        }
        if (vpc != null) {
            check("--vpc", vpc, VPC, "a VPC id such as vpc-0123abcd, or 'new' for a dedicated VPC");
            return vpc.equals("new") ? AwsNetwork.newVpc() : AwsNetwork.vpc(vpc);
        }
        return AwsNetwork.defaultVpc();
    }

    private int checkWorkers() {
        if (workers < 0) {
            throw new IllegalArgumentException("--workers: must be >= 0 (was " + workers + ")");
        }
        return workers;
    }

    private int checkNthreads() {
        if (nthreads < 0) {
            throw new IllegalArgumentException("--nthreads: must be >= 0 (was " + nthreads + ")");
        }
        return nthreads;
    }

    private String checkMemory() {
        return check("--memory-limit", memoryLimit, MEMORY, "auto or a size such as 512MiB, 6GiB or 8GB");
    }

    private List<String> cidrs() {
        return allowFrom.stream()
                .map(String::strip)
                .map(ExportTerraformCommand::cidr)
                .toList();
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

    private static String check(String flag, String value, Pattern format, String expected) {
        if (!format.matcher(value).matches()) {
            throw new IllegalArgumentException(flag + ": must be " + expected + ", was '" + value + "'");
        }
        return value;
    }

    /** An IPv4 CIDR with no host bits set, as the firewalls accept it. */
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
                throw new IllegalArgumentException(
                        "--allow-from: must be " + expected + " (each number 0-255), was '" + value + "'");
            }
            address = (address << 8) | octet;
        }
        int prefix = Integer.parseInt(m.group(5));
        if (prefix > 32) {
            throw new IllegalArgumentException("--allow-from: prefix length must be 0-32, was '" + value + "'");
        }
        long hostBits = prefix == 32 ? 0 : (1L << (32 - prefix)) - 1;
        if ((address & hostBits) != 0) {
            throw new IllegalArgumentException(
                    "--allow-from: '" + value + "' has host bits set; give the network address" + " of the block");
        }
        return value;
    }
}
