package dev.jcloud.providers.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.Optional;
import java.util.Set;

/** What a pod's status says: alive, failed to start (and why), or waiting for a node (and why). */
final class PodStates {

    /** Waiting reasons from which a pod does not recover by itself. */
    static final Set<String> FAILED_WAITING = Set.of(
            "ErrImagePull",
            "ImagePullBackOff",
            "InvalidImageName",
            "ErrImageNeverPull",
            "CrashLoopBackOff",
            "CreateContainerConfigError",
            "CreateContainerError",
            "RunContainerError");

    private PodStates() {}

    /** Whether the pod has ended or is being deleted. */
    static boolean gone(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            return true;
        }
        String phase = phase(pod);
        return phase.equals("Succeeded") || phase.equals("Failed");
    }

    /** Why the pod cannot start (a failed image pull, a crash loop, a failed phase), or empty. */
    static Optional<String> failure(Pod pod) {
        if (pod.getStatus() == null) {
            return Optional.empty();
        }
        for (ContainerStatus c : containers(pod)) {
            if (c.getState() != null && c.getState().getWaiting() != null) {
                String reason = c.getState().getWaiting().getReason();
                if (reason != null && FAILED_WAITING.contains(reason)) {
                    String message = c.getState().getWaiting().getMessage();
                    return Optional.of(reason + (message == null || message.isBlank() ? "" : ": " + message));
                }
            }
        }
        if (phase(pod).equals("Failed")) {
            for (ContainerStatus c : containers(pod)) {
                if (c.getState() != null && c.getState().getTerminated() != null) {
                    var t = c.getState().getTerminated();
                    return Optional.of("the engine exited with code " + t.getExitCode()
                            + (t.getReason() == null ? "" : " (" + t.getReason() + ")"));
                }
            }
            String reason = pod.getStatus().getReason();
            return Optional.of("the pod failed" + (reason == null ? "" : ": " + reason));
        }
        return Optional.empty();
    }

    /** Why the pod waits for a node (the scheduler's Unschedulable message), or empty. */
    static Optional<String> unschedulable(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())) {
                return Optional.of((c.getReason() == null ? "Unschedulable" : c.getReason())
                        + (c.getMessage() == null ? "" : ": " + c.getMessage()));
            }
        }
        return Optional.empty();
    }

    /** The pod's IP once it has one. */
    static Optional<String> ip(Pod pod) {
        return Optional.ofNullable(pod.getStatus()).map(s -> s.getPodIP()).filter(ip -> !ip.isBlank());
    }

    static String phase(Pod pod) {
        return pod.getStatus() == null || pod.getStatus().getPhase() == null
                ? "Pending"
                : pod.getStatus().getPhase();
    }

    private static java.util.List<ContainerStatus> containers(Pod pod) {
        return pod.getStatus().getContainerStatuses() == null
                ? java.util.List.of()
                : pod.getStatus().getContainerStatuses();
    }
}
