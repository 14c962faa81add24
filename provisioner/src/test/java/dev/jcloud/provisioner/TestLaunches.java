package dev.jcloud.provisioner;

import java.util.List;
import java.util.stream.IntStream;

/** The launch requests provider tests hand to {@link CloudProvider#launch}, as the provisioner would. */
public final class TestLaunches {

    private TestLaunches() {}

    /** The scheduler of cluster {@code c}, idle timeout 10 minutes. */
    public static LaunchRequest scheduler(ClusterContext c) {
        return new LaunchRequest(
                NodeRole.SCHEDULER,
                List.of(new LaunchRequest.NodeLaunch(
                        ClusterNames.scheduler(c.name()),
                        EngineCommand.scheduler().with("--idle-timeout", "10m"))));
    }

    /** Workers {@code first .. first+count-1} of cluster {@code c}, 2 threads each, dialling {@code scheduler}. */
    public static LaunchRequest workers(ClusterContext c, String scheduler, int first, int count) {
        return new LaunchRequest(
                NodeRole.WORKER,
                IntStream.range(first, first + count)
                        .mapToObj(i -> {
                            String name = ClusterNames.worker(c.name(), i);
                            return new LaunchRequest.NodeLaunch(
                                    name,
                                    EngineCommand.worker(scheduler)
                                            .with("--name", name)
                                            .with("--nthreads", "2"));
                        })
                        .toList());
    }
}
