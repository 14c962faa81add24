package dev.jcloud.engine.scheduler;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * For a dashboard bound to loopback: answers only requests addressed to a loopback name
 * ({@code Host: 127.0.0.1:PORT}, {@code localhost}, {@code [::1]}). A web page elsewhere could
 * otherwise point its own domain name at 127.0.0.1 (DNS rebinding) and read the dashboard from
 * the user's browser; its requests carry that domain in {@code Host} and are refused with 403.
 */
final class LoopbackHostCheck extends Filter {

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        String host = exchange.getRequestHeaders().getFirst("Host");
        if (host == null || isLoopbackName(host)) {
            chain.doFilter(exchange); // no Host: not a browser, which always sends one
            return;
        }
        byte[] body = ("This dashboard answers only at a loopback address (127.0.0.1, localhost, [::1]);"
                        + " this request was addressed to another name.\n")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(403, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public String description() {
        return "loopback Host header";
    }

    /** Whether a {@code Host} header value (name or literal, optional port) names this machine's loopback. */
    static boolean isLoopbackName(String hostHeader) {
        String h = hostHeader.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end > 0 && h.substring(1, end).equals("::1");
        }
        int colon = h.lastIndexOf(':');
        String name = colon >= 0 ? h.substring(0, colon) : h;
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.equals("localhost")) {
            return true;
        }
        // Only IPv4 literals here: a name that resolves to 127.0.0.1 is exactly what rebinding uses.
        String[] parts = name.split("\\.", -1);
        if (parts.length != 4 || !parts[0].equals("127")) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }
}
