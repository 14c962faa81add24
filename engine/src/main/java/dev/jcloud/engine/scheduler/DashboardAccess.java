package dev.jcloud.engine.scheduler;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets into the dashboard's HTTP port only those who hold the cluster's {@link DashboardToken}:
 * <ul>
 *   <li>{@code Authorization: Bearer TOKEN}, for Prometheus ({@code authorization.credentials_file})
 *       and scripts;</li>
 *   <li>{@code ?token=TOKEN} on any page, once: answered with a session cookie (HttpOnly,
 *       SameSite=Lax, Secure under HTTPS, for {@value #SESSION_SECONDS} seconds; its name and
 *       value derived from the token, so each cluster's dashboards keep their own session on a
 *       shared host such as 127.0.0.1) and a redirect to the same page without the token, so it
 *       leaves the address bar;</li>
 *   <li>that cookie, on every later request of the browser.</li>
 * </ul>
 * Everything else gets 401 with {@code WWW-Authenticate: Bearer realm="jcloud"} and a page that
 * says how to get in; each refusal is logged, at most once a minute per address (so a scanner
 * cannot flood the log), and the log never holds what was presented.
 */
final class DashboardAccess extends Filter {

    /** How long a browser keeps the session: a working day; then {@code ?token=} once more. */
    static final long SESSION_SECONDS = 12 * 3600;

    private static final Logger LOG = LoggerFactory.getLogger("dev.jcloud.engine.DashboardAccess");
    private static final long LOG_EVERY_MILLIS = 60_000;
    private static final int MAX_TRACKED_ADDRESSES = 1024;

    private final DashboardToken token;
    private final boolean https;
    /** Last refusal logged per remote address; bounded, oldest dropped first. */
    private final Map<String, Long> lastLogged = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_TRACKED_ADDRESSES;
        }
    };

    /** {@code https}: the port speaks TLS, so the cookie is marked {@code Secure}. */
    DashboardAccess(DashboardToken token, boolean https) {
        this.token = token;
        this.https = https;
    }

    /** The {@code Set-Cookie} value that opens a browser session. */
    String sessionCookieHeader() {
        return token.cookieName() + "=" + token.session() + "; Path=/; Max-Age=" + SESSION_SECONDS
                + "; HttpOnly; SameSite=Lax" + (https ? "; Secure" : "");
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        String presented = queryToken(exchange.getRequestURI().getRawQuery());
        if (presented != null) {
            if (token.matches(presented)) {
                exchange.getResponseHeaders().add("Set-Cookie", sessionCookieHeader());
                exchange.getResponseHeaders()
                        .set("Location", exchange.getRequestURI().getRawPath());
                exchange.getResponseHeaders().set("Cache-Control", "no-store");
                exchange.sendResponseHeaders(303, -1);
                exchange.close();
            } else {
                refuse(exchange, "a wrong ?token=");
            }
            return;
        }
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization != null) {
            if (authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                    && token.matches(authorization.substring(7).strip())) {
                chain.doFilter(exchange);
            } else {
                refuse(exchange, "a wrong Authorization header");
            }
            return;
        }
        if (token.matchesSession(sessionCookie(exchange))) {
            chain.doFilter(exchange);
            return;
        }
        refuse(exchange, "no token");
    }

    @Override
    public String description() {
        return "jcloud dashboard token";
    }

    private void refuse(HttpExchange exchange, String what) throws IOException {
        InetSocketAddress remote = exchange.getRemoteAddress();
        String address = remote == null || remote.getAddress() == null
                ? "?"
                : remote.getAddress().getHostAddress();
        if (shouldLog(address, System.currentTimeMillis())) {
            LOG.warn(
                    "refused dashboard request {} {} from {}: {} (further refusals from there are not logged for a minute)",
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(),
                    address,
                    what);
        }
        boolean browser =
                String.valueOf(exchange.getRequestHeaders().getFirst("Accept")).contains("text/html");
        String text = "This jcloud dashboard needs its cluster's token. Open the address that"
                + " `jcloud cluster dashboard NAME` prints, or send `Authorization: Bearer TOKEN`"
                + " (the token is the file tls/dashboard-token in the cluster's state directory;"
                + " `jcloud cluster credentials NAME` exports it).";
        byte[] body = (browser
                        ? "<!doctype html><html><head><meta charset=\"utf-8\"><title>jcloud: sign in</title>"
                                + "</head><body><h1>jcloud</h1><p>" + text.replace("`", "") + "</p></body></html>"
                        : text + "\n")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("WWW-Authenticate", DashboardToken.REALM);
        exchange.getResponseHeaders()
                .set("Content-Type", browser ? "text/html; charset=utf-8" : "text/plain; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(401, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private boolean shouldLog(String address, long now) {
        synchronized (lastLogged) {
            Long last = lastLogged.get(address);
            if (last != null && now - last < LOG_EVERY_MILLIS) {
                return false;
            }
            lastLogged.put(address, now);
            return true;
        }
    }

    /** The value of {@code token=} in a raw query, or null. */
    static String queryToken(String rawQuery) {
        if (rawQuery == null) {
            return null;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.startsWith("token=")) {
                try {
                    return URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException malformed) {
                    return pair.substring(6);
                }
            }
        }
        return null;
    }

    private String sessionCookie(HttpExchange exchange) {
        String prefix = token.cookieName() + "=";
        for (String header : exchange.getRequestHeaders().getOrDefault("Cookie", java.util.List.of())) {
            for (String part : header.split(";")) {
                String p = part.strip();
                if (p.startsWith(prefix)) {
                    return p.substring(prefix.length());
                }
            }
        }
        return null;
    }
}
