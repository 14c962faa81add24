package dev.jcloud.providers.azure;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import reactor.core.publisher.Mono;

/**
 * Removes the {@code Content-Length} header the SDK puts on every request with a body. The JDK's
 * HttpClient computes that header itself and refuses to take it from callers, and the SDK's JDK
 * transport logs a warning for every request that carries it, which would flood a user's terminal
 * during {@code cluster up}. Resource Manager and Key Vault bodies are JSON held in memory, whose
 * length the JDK client knows without the header.
 */
final class ContentLengthPolicy implements HttpPipelinePolicy {

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
        context.getHttpRequest().getHeaders().remove(HttpHeaderName.CONTENT_LENGTH);
        return next.process();
    }

    @Override
    public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
        context.getHttpRequest().getHeaders().remove(HttpHeaderName.CONTENT_LENGTH);
        return next.processSync();
    }
}
