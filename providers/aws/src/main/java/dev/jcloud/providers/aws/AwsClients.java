package dev.jcloud.providers.aws;

import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * The AWS clients of one region. Throttling and transient errors are retried by the SDK's own
 * retry policy (standard mode: exponential backoff with jitter, throttling-aware), configured
 * here once rather than with loops around calls.
 */
record AwsClients(
        Ec2Client ec2,
        IamClient iam,
        StsClient sts,
        EcsClient ecs,
        CloudWatchLogsClient logs,
        S3Client s3,
        SsmClient ssm,
        S3Presigner presigner,
        EcrClient ecr)
        implements AutoCloseable {

    /** Attempts per call, including the first; throttling during a big launch needs more than the default 3. */
    static final int MAX_ATTEMPTS = 8;

    /** Makes the clients for a region. */
    @FunctionalInterface
    interface Factory {
        AwsClients create(String region);
    }

    /**
     * A factory using {@code credentials} and, when given, one endpoint for every service (an
     * emulator such as moto in tests). Without an endpoint the SDK's own resolution applies.
     */
    static Factory factory(AwsCredentialsProvider credentials, Optional<URI> endpoint) {
        return factory(credentials, endpoint, java.util.List.of());
    }

    /**
     * As {@link #factory(AwsCredentialsProvider, Optional)}, with {@code interceptors} on every client
     * (the SDK's extension point; tests use it to inject the errors an emulator cannot produce).
     */
    static Factory factory(
            AwsCredentialsProvider credentials,
            Optional<URI> endpoint,
            java.util.List<software.amazon.awssdk.core.interceptor.ExecutionInterceptor> interceptors) {
        return region -> {
            ClientOverrideConfiguration retries = ClientOverrideConfiguration.builder()
                    .retryPolicy(RetryPolicy.builder(RetryMode.STANDARD)
                            .numRetries(MAX_ATTEMPTS - 1)
                            .build())
                    .executionInterceptors(interceptors)
                    .build();
            var ec2 = Ec2Client.builder()
                    .region(Region.of(region))
                    .credentialsProvider(credentials)
                    .overrideConfiguration(retries);
            // IAM is global; its endpoint lives in aws-global.
            var iam = IamClient.builder()
                    .region(Region.AWS_GLOBAL)
                    .credentialsProvider(credentials)
                    .overrideConfiguration(retries);
            var sts = StsClient.builder()
                    .region(Region.of(region))
                    .credentialsProvider(credentials)
                    .overrideConfiguration(retries);
            var ecs = EcsClient.builder()
                    .region(Region.of(region))
                    .credentialsProvider(credentials)
                    .overrideConfiguration(retries);
            var logs = CloudWatchLogsClient.builder()
                    .region(Region.of(region))
                    .credentialsProvider(credentials)
                    .overrideConfiguration(retries);
            // Path-style addressing: emulators (and buckets with dots) have no per-bucket host names.
            var s3 = S3Client.builder()
                    .region(Region.of(region))
                    .credentialsProvider(credentials)
                    .overrideConfiguration(retries)
                    .forcePathStyle(endpoint.isPresent());
            var ssm = SsmClient.builder()
                    .region(Region.of(region))
                    .credentialsProvider(credentials)
                    .overrideConfiguration(retries);
            var presigner = S3Presigner.builder()
                    .region(Region.of(region))
                    .credentialsProvider(credentials)
                    .serviceConfiguration(S3Configuration.builder()
                            .pathStyleAccessEnabled(endpoint.isPresent())
                            .build());
            var ecr = EcrClient.builder()
                    .region(Region.of(region))
                    .credentialsProvider(credentials)
                    .overrideConfiguration(retries);
            endpoint.ifPresent(e -> {
                ecr.endpointOverride(e);
                presigner.endpointOverride(e);
                ssm.endpointOverride(e);
                ec2.endpointOverride(e);
                iam.endpointOverride(e);
                sts.endpointOverride(e);
                ecs.endpointOverride(e);
                logs.endpointOverride(e);
                s3.endpointOverride(e);
            });
            return new AwsClients(
                    ec2.build(),
                    iam.build(),
                    sts.build(),
                    ecs.build(),
                    logs.build(),
                    s3.build(),
                    ssm.build(),
                    presigner.build(),
                    ecr.build());
        };
    }

    /**
     * The SDK's default credential chain (environment, profile, SSO, instance/task role) and the
     * standard {@code AWS_ENDPOINT_URL} environment variable (or {@code aws.endpointUrl} system
     * property), read here because the pinned SDK predates its built-in support (an emulator such
     * as moto or LocalStack).
     */
    static Factory defaults() {
        java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
        // The newer SDKs' system property, for programs (and tests) that cannot set the environment.
        String property = System.getProperty("aws.endpointUrl");
        if (property != null) {
            env.put("AWS_ENDPOINT_URL", property);
        }
        return factory(DefaultCredentialsProvider.create(), endpointFromEnvironment(env));
    }

    /** {@code AWS_ENDPOINT_URL} when set and not blank. */
    static Optional<URI> endpointFromEnvironment(java.util.Map<String, String> env) {
        String url = env.get("AWS_ENDPOINT_URL");
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(url.strip());
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException(
                        "invalid AWS_ENDPOINT_URL '" + url + "': use a URL such as http://127.0.0.1:5000");
            }
            return Optional.of(uri);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException(
                    "invalid AWS_ENDPOINT_URL '" + url + "': use a URL such as http://127.0.0.1:5000", e);
        }
    }

    @Override
    public void close() {
        ec2.close();
        iam.close();
        sts.close();
        ecs.close();
        logs.close();
        s3.close();
        ssm.close();
        presigner.close();
        ecr.close();
    }
}
