package dev.jcloud.engine.internal.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class PrefetchTest {

    private record Call(String holder, List<Long> keys, CompletableFuture<Void> ended) {}

    private final List<Call> calls = new ArrayList<>();
    private final Prefetch prefetch = new Prefetch((holder, keys, found) -> {
        Call c = new Call(holder, List.copyOf(keys), new CompletableFuture<>());
        calls.add(c);
        return c.ended;
    });

    private static ResultSlot doneOn(long key, String holder) {
        ResultSlot slot = new ResultSlot(key, null);
        slot.complete(null, holder);
        return slot;
    }

    @Test
    void oneCallPerWorkerAtATimeAndTheNextTakesEverythingFinishedMeanwhile() throws Exception {
        prefetch.add(doneOn(1, "h1:1"));
        prefetch.add(doneOn(2, "h1:1"));
        prefetch.add(doneOn(3, "h2:1"));
        prefetch.add(doneOn(4, "h1:1"));
        assertThat(calls)
                .extracting(Call::holder, Call::keys)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("h1:1", List.of(1L)),
                        org.assertj.core.groups.Tuple.tuple("h2:1", List.of(3L)));

        calls.get(0).ended.complete(null);
        assertThat(calls).hasSize(3);
        assertThat(calls.get(2).holder()).isEqualTo("h1:1");
        assertThat(calls.get(2).keys()).containsExactly(2L, 4L);

        calls.get(1).ended.complete(null);
        calls.get(2).ended.complete(null);
        prefetch.await();
        assertThat(calls).hasSize(3);
    }

    @Test
    void resultsThatCameInlineOrFailedAreNotFetched() throws Exception {
        ResultSlot inline = new ResultSlot(1, null);
        inline.complete(com.google.protobuf.ByteString.copyFromUtf8("v"), "h1:1");
        ResultSlot failed = new ResultSlot(2, null);
        failed.fail(new dev.jcloud.engine.api.TaskFailedException("boom", null, "X", ""));
        prefetch.add(inline);
        prefetch.add(failed);
        prefetch.await();
        assertThat(calls).isEmpty();
    }

    @Test
    void cancellingStopsTheCallsAndStartsNoMore() throws Exception {
        prefetch.add(doneOn(1, "h1:1"));
        prefetch.add(doneOn(2, "h1:1"));
        prefetch.cancel();
        assertThat(calls.get(0).ended).isCancelled();
        prefetch.add(doneOn(3, "h1:1"));
        assertThat(calls).hasSize(1);
        prefetch.await();
    }
}
