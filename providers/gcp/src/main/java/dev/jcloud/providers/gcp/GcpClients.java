package dev.jcloud.providers.gcp;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.auth.Credentials;
import com.google.auth.oauth2.ComputeEngineCredentials;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.auth.oauth2.UserCredentials;
import com.google.cloud.compute.v1.DisksClient;
import com.google.cloud.compute.v1.DisksSettings;
import com.google.cloud.compute.v1.FirewallsClient;
import com.google.cloud.compute.v1.FirewallsSettings;
import com.google.cloud.compute.v1.GlobalOperationsClient;
import com.google.cloud.compute.v1.GlobalOperationsSettings;
import com.google.cloud.compute.v1.InstancesClient;
import com.google.cloud.compute.v1.InstancesSettings;
import com.google.cloud.compute.v1.ZoneOperationsClient;
import com.google.cloud.compute.v1.ZoneOperationsSettings;
import dev.jcloud.provisioner.ProvisionException;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * The Google API clients of one API root: Compute Engine through the official
 * {@code google-cloud-compute} SDK (its REST transport), and the few calls of other APIs the SDK
 * does not cover (IAM service accounts, the project's IAM policy, Secret Manager for TLS material,
 * Cloud Storage for the engine) through {@link GoogleRest}.
 *
 * @param identity who the credentials belong to, for the log ("say which identity was used")
 * @param creator  the same, short, for the {@code jcloud-creator} label
 */
record GcpClients(
        InstancesClient instances,
        FirewallsClient firewalls,
        DisksClient disks,
        ZoneOperationsClient zoneOperations,
        GlobalOperationsClient globalOperations,
        GoogleRest iam,
        GoogleRest resourceManager,
        GoogleRest secretManager,
        GoogleRest storage,
        String identity,
        String creator)
        implements AutoCloseable {

    static final String CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform";

    /** Makes the clients for an API root override (empty: Google's endpoints). */
    @FunctionalInterface
    interface Factory {
        GcpClients create(Optional<URI> endpoint);
    }

    /**
     * Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's application-default
     * login, or the machine's service account on GCP). A plain-http endpoint (an emulator on
     * loopback; {@link GcpOptions} allows no other) gets no credentials: a token must never travel
     * in clear text.
     */
    static Factory defaults() {
        return endpoint -> {
            boolean plain =
                    endpoint.map(u -> "http".equalsIgnoreCase(u.getScheme())).orElse(false);
            if (plain) {
                return create(endpoint, null);
            }
            try {
                return create(
                        endpoint, GoogleCredentials.getApplicationDefault().createScoped(List.of(CLOUD_PLATFORM)));
            } catch (IOException e) {
                throw new ProvisionException(
                        "no Google credentials found (" + e.getMessage() + "): run 'gcloud auth"
                                + " application-default login', or point GOOGLE_APPLICATION_CREDENTIALS at a key file",
                        e);
            }
        };
    }

    /** Clients without credentials (an emulator or the tests' fake). */
    static Factory withoutCredentials() {
        return endpoint -> create(endpoint, null);
    }

    static GcpClients create(Optional<URI> endpoint, Credentials credentials) {
        CredentialsProvider provider =
                credentials == null ? NoCredentialsProvider.create() : FixedCredentialsProvider.create(credentials);
        try {
            InstancesSettings.Builder instances = InstancesSettings.newBuilder().setCredentialsProvider(provider);
            FirewallsSettings.Builder firewalls = FirewallsSettings.newBuilder().setCredentialsProvider(provider);
            DisksSettings.Builder disks = DisksSettings.newBuilder().setCredentialsProvider(provider);
            ZoneOperationsSettings.Builder zoneOps =
                    ZoneOperationsSettings.newBuilder().setCredentialsProvider(provider);
            GlobalOperationsSettings.Builder globalOps =
                    GlobalOperationsSettings.newBuilder().setCredentialsProvider(provider);
            String iamRoot = "https://iam.googleapis.com";
            String crmRoot = "https://cloudresourcemanager.googleapis.com";
            String secretsRoot = "https://secretmanager.googleapis.com";
            String storageRoot = EngineUploads.STORAGE_ROOT;
            if (endpoint.isPresent()) {
                // The SDK takes "scheme://host:port" as is (without a scheme it assumes https).
                String root = endpoint.get().toString().replaceAll("/+$", "");
                instances.setEndpoint(root);
                firewalls.setEndpoint(root);
                disks.setEndpoint(root);
                zoneOps.setEndpoint(root);
                globalOps.setEndpoint(root);
                iamRoot = root;
                crmRoot = root;
                secretsRoot = root;
                storageRoot = root;
            }
            return new GcpClients(
                    InstancesClient.create(instances.build()),
                    FirewallsClient.create(firewalls.build()),
                    DisksClient.create(disks.build()),
                    ZoneOperationsClient.create(zoneOps.build()),
                    GlobalOperationsClient.create(globalOps.build()),
                    new GoogleRest(iamRoot, credentials),
                    new GoogleRest(crmRoot, credentials),
                    new GoogleRest(secretsRoot, credentials),
                    new GoogleRest(storageRoot, credentials),
                    describe(credentials),
                    creator(credentials));
        } catch (IOException e) {
            throw new ProvisionException("could not create the Compute Engine clients: " + e.getMessage(), e);
        }
    }

    /** Who the credentials belong to, as far as they tell. */
    static String describe(Credentials credentials) {
        if (credentials == null) {
            return "no credentials (emulator)";
        }
        if (credentials instanceof ServiceAccountCredentials sa) {
            return "service account " + sa.getClientEmail();
        }
        if (credentials instanceof UserCredentials user) {
            return "user credentials of gcloud application-default login (client " + user.getClientId() + ")";
        }
        if (credentials instanceof ComputeEngineCredentials) {
            return "this machine's service account (metadata server)";
        }
        return credentials.getClass().getSimpleName();
    }

    /** An email when the credentials have one, else what kind they are. */
    static String creator(Credentials credentials) {
        if (credentials instanceof ServiceAccountCredentials sa) {
            return sa.getClientEmail();
        }
        if (credentials instanceof UserCredentials) {
            return "gcloud-user";
        }
        if (credentials instanceof ComputeEngineCredentials) {
            return "gce-machine";
        }
        return credentials == null ? "none" : "other";
    }

    @Override
    public void close() {
        instances.close();
        firewalls.close();
        disks.close();
        zoneOperations.close();
        globalOperations.close();
    }
}
