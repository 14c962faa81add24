package dev.jcloud.cli;

import dev.jcloud.picocli.CommandLine.Command;
import dev.jcloud.picocli.CommandLine.Model.CommandSpec;
import dev.jcloud.picocli.CommandLine.Option;
import dev.jcloud.picocli.CommandLine.Spec;
import dev.jcloud.providers.aws.UserPolicies;
import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code jcloud iam-policy --provider aws}: the least IAM policy a user needs to run jcloud there. */
@Command(
        name = "iam-policy",
        mixinStandardHelpOptions = true,
        description = {
            "Print the least IAM policy (JSON) a user needs to run jcloud on a provider: every action",
            "listed, deletions limited to jcloud-tagged resources, IAM to the /jcloud/ path."
        })
final class IamPolicyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--provider", required = true, paramLabel = "NAME", description = "aws or fargate")
    String provider;

    @Override
    public Integer call() {
        String policy = switch (provider) {
            case "aws" -> UserPolicies.ec2();
            case "fargate" -> UserPolicies.fargate();
            case "gcp", "azure" ->
                throw new IllegalArgumentException("--provider: iam-policy prints AWS IAM policies;" + " for "
                        + provider + " see the provider's README for the roles it needs");
            default ->
                throw new IllegalArgumentException(
                        "--provider: unknown provider '" + provider + "': use aws or fargate");
        };
        PrintWriter out = spec.commandLine().getOut();
        out.println(policy);
        out.flush();
        return 0;
    }
}
