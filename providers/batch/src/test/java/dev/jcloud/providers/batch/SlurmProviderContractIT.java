package dev.jcloud.providers.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.CloudProviders;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The slurm provider passes the provider contract on the real Slurm of this machine (.ci/batch-up). */
class SlurmProviderContractIT extends BatchProviderContract {

    SlurmProviderContractIT() {
        super("slurm");
    }

    @BeforeAll
    static void slurmAnswers() {
        BatchSystems.requireSlurm();
    }

    @Override
    String system() {
        return "slurm";
    }

    @Override
    protected CloudProvider newProvider() {
        return new SlurmProvider();
    }

    @Test
    void isFoundByServiceLoaderWithItsSiblings() {
        assertThat(CloudProviders.load().available()).contains("slurm", "sge", "pbs");
        assertThat(CloudProviders.load().require("slurm")).isInstanceOf(SlurmProvider.class);
    }
}
