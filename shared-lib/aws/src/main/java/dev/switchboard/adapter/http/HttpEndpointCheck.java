package dev.switchboard.adapter.http;

import dev.switchboard.port.DependencyCheck;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Reachability of an HTTP endpoint (a model server): one GET without credentials; any HTTP answer, even 401 or 404,
 * counts as reachable. Only a failed connection, TLS handshake or timeout counts as down.
 */
public final class HttpEndpointCheck implements DependencyCheck {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    private final String name;
    private final URI url;
    private final Duration timeout;

    public HttpEndpointCheck(String name, String url, Duration timeout) {
        this.name = name;
        this.url = URI.create(url);
        this.timeout = timeout;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return "model";
    }

    @Override
    public String probe() throws Exception {
        HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(url).timeout(timeout).GET().build(),
                HttpResponse.BodyHandlers.discarding());
        return "HTTP " + r.statusCode() + " from " + url.getScheme() + "://" + url.getAuthority();
    }
}
