package dev.jcloud.engine.admission;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Rate limit of failed joins, in bounded memory: per source host, at most {@link #PER_HOST} failures
 * per window; a host over its limit is refused without the proof being checked until the window
 * ends. Failures from all hosts together only silence the log after {@link #TOTAL} a window: they
 * never refuse a host that has not failed, since a few attackers' addresses could otherwise keep
 * every real member out (and a proof is one HMAC, cheap to check; the token's 128 bits are what
 * stops guessing). At most {@link #MAX_HOSTS} hosts are remembered; the least recently seen is
 * forgotten first, so a flood of sources costs memory of a fixed size, and at worst lets a
 * forgotten host start counting again.
 */
final class JoinAttempts {

    static final int PER_HOST = 10;
    static final int TOTAL = 200;
    static final int MAX_HOSTS = 4096;
    static final long WINDOW_NANOS = 60_000_000_000L;

    private final LongSupplier nanoClock;
    private final Map<String, long[]> hosts = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
            return size() > MAX_HOSTS;
        }
    };
    private long totalWindowStart;
    private int totalFailures;

    JoinAttempts(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.totalWindowStart = nanoClock.getAsLong();
    }

    /** Outcome of asking whether {@code host} may try: allowed, or the first/a later refusal in this window. */
    enum Verdict {
        ALLOWED,
        LIMITED_FIRST,
        LIMITED
    }

    /** Whether {@code host} may try now; refusals are counted so that only the first is logged. */
    synchronized Verdict check(String host) {
        long now = nanoClock.getAsLong();
        rollTotal(now);
        long[] entry = current(host, now);
        if (entry[1] >= PER_HOST) {
            entry[2]++;
            return entry[2] == 1 ? Verdict.LIMITED_FIRST : Verdict.LIMITED;
        }
        return Verdict.ALLOWED;
    }

    /** Counts a failed attempt (bad proof or malformed request) of {@code host}. */
    synchronized void failed(String host) {
        long now = nanoClock.getAsLong();
        rollTotal(now);
        current(host, now)[1]++;
        totalFailures++;
    }

    /** Whether a refusal may still be logged in this window (the log is not a flood's amplifier). */
    synchronized boolean loggable() {
        rollTotal(nanoClock.getAsLong());
        return totalFailures <= TOTAL;
    }

    synchronized int rememberedHosts() {
        return hosts.size();
    }

    /** {window start, failures, refusals since the limit was reached} of {@code host}, reset when its window ended. */
    private long[] current(String host, long now) {
        long[] entry = hosts.get(host);
        if (entry == null || now - entry[0] >= WINDOW_NANOS) {
            entry = new long[] {now, 0, 0};
            hosts.put(host, entry);
        }
        return entry;
    }

    private void rollTotal(long now) {
        if (now - totalWindowStart >= WINDOW_NANOS) {
            totalWindowStart = now;
            totalFailures = 0;
        }
    }
}
