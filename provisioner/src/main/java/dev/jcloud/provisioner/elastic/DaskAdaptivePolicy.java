package dev.jcloud.provisioner.elastic;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A port of Dask's adaptive scaling ({@code Scheduler.adaptive_target}, {@code workers_to_close}
 * and {@code AdaptiveCore.recommendations}) as described in FIELD-NOTES, the baseline users
 * have today:
 *
 * <ul>
 *   <li>every second, target = {@link AdaptiveTarget#demand} (target duration 5 s);</li>
 *   <li>if that is below the registered workers, target = workers − the idle ones that can
 *       go (idle, fewest stored bytes first, while the rest keep 2× the stored bytes of memory);</li>
 *   <li>clamped to [min, max]; above the plan (requested + registered) → start the difference;</li>
 *   <li>below it → not-yet-arrived workers are picked first, then {@code workers_to_close(target)};
 *       a worker is removed only once it was picked {@code waitCount} (3) calls in a row.</li>
 * </ul>
 * Dask knows nothing of boot delays or billing minimums; that is the point of the comparison.
 */
public final class DaskAdaptivePolicy implements ScalingPolicy {

    private final int minimum;
    private final int maximum;
    private final double targetDurationSeconds;
    private final int waitCount;
    private final Map<Integer, Integer> closeCounts = new HashMap<>();

    /** Dask's defaults: target duration 5 s, wait count 3. */
    public DaskAdaptivePolicy(int minimum, int maximum) {
        this(minimum, maximum, 5, 3);
    }

    public DaskAdaptivePolicy(int minimum, int maximum, double targetDurationSeconds, int waitCount) {
        if (minimum < 0 || maximum < minimum) {
            throw new IllegalArgumentException("need 0 ≤ min ≤ max (was " + minimum + ":" + maximum + ")");
        }
        this.minimum = minimum;
        this.maximum = maximum;
        this.targetDurationSeconds = targetDurationSeconds;
        this.waitCount = waitCount;
    }

    @Override
    public String name() {
        return "dask";
    }

    @Override
    public int minWorkers() {
        return minimum;
    }

    /** Scheduler.adaptive_target, then the [min, max] clamp of AdaptiveCore.safe_target. */
    int target(ClusterSnapshot s) {
        int target = AdaptiveTarget.demand(s, targetDurationSeconds);
        int registered = s.readyWorkers().size();
        if (target < registered) {
            target = registered - workersToClose(s, null).size();
        }
        return Math.max(minimum, Math.min(maximum, target));
    }

    @Override
    public ScalingDecision decide(ClusterSnapshot s) {
        int target = target(s);
        int plan = s.workers().size();
        if (target == plan) {
            closeCounts.clear();
            return ScalingDecision.NONE;
        }
        if (target > plan) {
            closeCounts.clear();
            return new ScalingDecision(target - plan, List.of());
        }
        Set<Integer> toClose = new LinkedHashSet<>();
        // Not-yet-arrived workers are given up first (the newest requests).
        List<WorkerView> booting = new ArrayList<>(s.bootingWorkers());
        booting.sort(Comparator.comparingInt(WorkerView::id).reversed());
        for (int i = 0; i < Math.min(plan - target, booting.size()); i++) {
            toClose.add(booting.get(i).id());
        }
        if (target < plan - toClose.size()) {
            toClose.addAll(workersToClose(s, target));
        }
        List<Integer> firmly = new ArrayList<>();
        for (int id : toClose) {
            int count = closeCounts.merge(id, 1, Integer::sum);
            if (count >= waitCount) {
                firmly.add(id);
            }
        }
        closeCounts.keySet().retainAll(toClose);
        firmly.forEach(closeCounts::remove);
        return firmly.isEmpty() ? ScalingDecision.NONE : new ScalingDecision(0, firmly);
    }

    /**
     * Scheduler.workers_to_close: registered workers ordered idle-first and, among those, by
     * fewest stored bytes. With no target, only idle workers go and only while the remaining
     * memory holds twice the stored bytes; with a target, workers go until that many remain.
     */
    List<Integer> workersToClose(ClusterSnapshot s, Integer target) {
        List<WorkerView> registered = s.readyWorkers();
        Integer n = target == null ? null : Math.max(0, registered.size() - target);
        int keep = n == null ? 0 : registered.size() - n;
        Double memoryRatio = n == null ? 2.0 : null;
        if ((n == null || n == 0) && registered.stream().allMatch(w -> w.busyThreads() > 0)) {
            return List.of();
        }
        // Dask sorts ascending by (idle, -bytes) and pops from the end: the idle worker with the
        // fewest bytes goes first; ties go to the last registered.
        List<WorkerView> order = new ArrayList<>(registered);
        order.sort(
                Comparator.comparing((WorkerView w) -> w.busyThreads() == 0).thenComparingLong(w -> -w.storedBytes()));
        long limit = registered.stream().mapToLong(WorkerView::memoryLimitBytes).sum();
        long total = registered.stream().mapToLong(WorkerView::storedBytes).sum();
        List<Integer> close = new ArrayList<>();
        int remain = registered.size();
        for (int i = order.size() - 1; i >= 0; i--) {
            WorkerView w = order.get(i);
            if (n == null && w.busyThreads() > 0) {
                break;
            }
            limit -= w.memoryLimitBytes();
            if ((n != null && remain - 1 >= keep) || (memoryRatio != null && limit >= memoryRatio * total)) {
                close.add(w.id());
                remain--;
            } else {
                break;
            }
        }
        return close;
    }
}
