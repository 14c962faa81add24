package dev.jcloud.providers.gcp;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.UpPlan;
import dev.jcloud.provisioner.tls.ClusterTrust;
import java.util.List;

/**
 * What {@code cluster up --provider gcp --dry-run} shows: the steps of {@link GcpProvider#bootstrap}
 * and its launches, from the options alone.
 */
final class GcpPlan {

    private GcpPlan() {}

    static List<UpPlan.Step> of(ClusterContext cluster, GcpOptions options, int workers) {
        UpPlan.Builder plan = new UpPlan.Builder();
        plan.check(
                "your Google identity, project " + options.project() + ", zone " + options.zone(),
                "Application Default Credentials",
                "the identity is logged, never stored");
        String from = options.allowFrom().isEmpty()
                ? "your public address /32 (looked up at up)"
                : String.join(", ", options.allowFrom());
        plan.create(
                "firewall rules " + GceNames.allowFromFirewall(cluster) + " and " + GceNames.internalFirewall(cluster)
                        + " on network " + options.network(),
                "compute.firewalls.insert",
                "tcp " + ClusterFirewall.SCHEDULER_PORT + "," + ClusterFirewall.DASHBOARD_PORT + " from " + from
                        + " to the scheduler's tag only; all traffic between the cluster's instances");
        String account = options.serviceAccount().orElse(GceNames.serviceAccountEmail(cluster, options.project()));
        if (options.serviceAccount().isEmpty()) {
            plan.create(
                    "service account " + account,
                    "iam.serviceAccounts.create, projects.setIamPolicy",
                    "roles scoped by IAM Conditions to the cluster's own instances, disks and firewall rules");
        } else {
            plan.check("service account " + account + " (given)", "none", "");
        }
        if (ClusterTrust.enabled(cluster.options())) {
            plan.create(
                    "the cluster's CA, certificates and dashboard token (on this machine, 0600)",
                    "none (local)",
                    "the CA's and the client's keys never leave this machine");
            plan.store(
                    "Secret Manager secrets " + ClusterSecrets.prefix(cluster) + "*",
                    "secretmanager.secrets.create, secrets.addVersion, secrets.setIamPolicy",
                    "readable only by " + account + "; fetched at boot into 0600 files");
        }
        if (options.engineUrl().isPresent()) {
            plan.check(
                    "engine " + options.engineUrl().get(),
                    "none (downloaded by the machines)",
                    "SHA-256 " + options.engineSha256().orElse("?"));
        } else {
            plan.upload(
                    "engine bundle to gs://" + options.engineBucket() + "/" + EngineUploads.OBJECT_PREFIX
                            + "<sha256>.tar.gz (once per version)",
                    "storage.buckets.get/insert, storage.objects.get/insert, storage.buckets.getIamPolicy/setIamPolicy;"
                            + " compute.instances.list, storage.objects.list/delete for versions no machine uses",
                    "private bucket; " + account + " may read engine/ only; machines fetch with their metadata-server"
                            + " token and check the SHA-256; versions older than 30 days that no machine runs are removed");
        }
        plan.launch(
                "scheduler instance " + GceNames.instanceName(cluster, ClusterNames.scheduler(cluster.name())) + " ("
                        + options.schedulerMachineType() + ", standard)",
                "compute.instances.bulkInsert",
                "labelled jcloud-cluster-id=" + cluster.id() + "; metadata holds no secret");
        plan.launch(
                workers + " worker instance(s) (" + options.machineType()
                        + (options.spot()
                                ? ", Spot with instanceTerminationAction=DELETE; other zones, then standard, when exhausted)"
                                : ", standard)"),
                "compute.instances.bulkInsert, compute.zoneOperations.get",
                "all or none per call; at most " + options.maxWorkers() + " workers");
        return plan.steps();
    }
}
