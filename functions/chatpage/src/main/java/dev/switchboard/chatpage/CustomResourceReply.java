package dev.switchboard.chatpage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answer to CloudFormation: a PUT of the result to the request's pre-signed ResponseURL (no Content-Type: the URL
 * is signed without one). CloudFormation waits for it until the resource's ServiceTimeout, so it is always sent.
 */
public final class CustomResourceReply {
    /** A failure reason longer than this is cut (the whole answer must stay under 4 KB). */
    static final int MAX_REASON = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;

    public CustomResourceReply(HttpClient http) {
        this.http = http;
    }

    public static CustomResourceReply overHttp() {
        return new CustomResourceReply(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build());
    }

    /** The answer's JSON body. */
    static byte[] body(CustomResourceEvent event, boolean success, String reason, String physicalId) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("Status", success ? "SUCCESS" : "FAILED");
        String r = reason == null ? "" : reason;
        doc.put("Reason", r.length() > MAX_REASON ? r.substring(0, MAX_REASON) : r);
        doc.put("PhysicalResourceId", physicalId);
        doc.put("StackId", event.stackId());
        doc.put("RequestId", event.requestId());
        doc.put("LogicalResourceId", event.logicalResourceId());
        try {
            return JSON.writeValueAsBytes(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends the answer; true when the URL took it (2xx). An I/O failure is tried once more. */
    public boolean send(CustomResourceEvent event, boolean success, String reason, String physicalId) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(event.responseUrl()))
                .timeout(Duration.ofSeconds(20))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body(event, success, reason, physicalId)))
                .build();
        for (int attempt = 1; ; attempt++) {
            try {
                int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                return status / 100 == 2;
            } catch (IOException e) {
                if (attempt == 2) {
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
