package dev.jcloud.cli;

import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.CloudProviders;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jcloud iam-policy --provider NAME}: the least permissions a user needs to run jcloud there. */
@Command(
        name = "iam-policy",
        mixinStandardHelpOptions = true,
        description = {
            "Print the least permission policy a user needs to run jcloud on a provider.",
            "It is the platform's policy document: every action listed, deletions limited to jcloud-tagged"
                    + " resources where the platform allows it."
        })
final class IamPolicyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--provider",
            required = true,
            paramLabel = "NAME",
            description = "A provider of this build that publishes a policy.")
    String provider;

    @Override
    public Integer call() {
        CloudProviders providers = CloudProviders.load();
        CloudProvider p = providers.require(provider);
        String policy = p.permissionPolicy()
                .orElseThrow(() -> new IllegalArgumentException("--provider: " + p.name()
                        + " publishes no policy document; its README lists the roles it needs (policies: "
                        + String.join(
                                ", ",
                                providers.all().stream()
                                        .filter(x -> x.permissionPolicy().isPresent())
                                        .map(CloudProvider::name)
                                        .toList())
                        + ")"));
        PrintWriter out = spec.commandLine().getOut();
        out.println(policy);
        out.flush();
        return 0;
    }
}
