package io.pgfleet.e2e;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * A small REST client of one control-plane replica: JSON in and out, {@code Authorization:
 * Bearer <token>} on every call when a token is set. Paths are relative to the base URL,
 * e.g. {@code /api/v1/nodes}. Never throws on an HTTP status: callers assert on {@link Response#status()}.
 */
public final class Api {
    public static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private final String baseUrl;
    private final String token;

    public Api(String baseUrl, String token) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token;
    }

    /** The same replica with another token (null: no Authorization header). */
    public Api withToken(String otherToken) {
        return new Api(baseUrl, otherToken);
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** One HTTP answer. */
    public record Response(String method, String path, int status, HttpHeaders headers, String body) {
        public JsonNode json() {
            try {
                return body.isEmpty() ? JSON.missingNode() : JSON.readTree(body);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(method + " " + path + " answered " + status + " with no JSON: " + body, e);
            }
        }

        public Optional<String> header(String name) {
            return headers.firstValue(name);
        }

        /** The response's {@code revision} field (every write answers with it). */
        public long revision() {
            JsonNode revision = json().path("revision");
            if (!revision.canConvertToLong()) {
                throw new IllegalStateException(method + " " + path + " answered without a revision: " + body);
            }
            return revision.asLong();
        }

        /** Fails, with the body, unless the status is one of these. */
        public Response expect(int... statuses) {
            if (Arrays.stream(statuses).noneMatch(s -> s == status)) {
                throw new AssertionError(method + " " + path + " answered " + status + ", expected "
                        + Arrays.toString(statuses) + ": " + body);
            }
            return this;
        }

        /** Fails unless the status is 2xx. */
        public Response expectSuccess() {
            if (status < 200 || status > 299) {
                throw new AssertionError(method + " " + path + " answered " + status + ": " + body);
            }
            return this;
        }
    }

    public Response get(String path) {
        return send("GET", path, null);
    }

    public Response put(String path, Object body) {
        return send("PUT", path, body);
    }

    public Response post(String path, Object body) {
        return send("POST", path, body);
    }

    public Response delete(String path) {
        return send("DELETE", path, null);
    }

    /** Any method; {@code body} is a JSON string, a Jackson node, or anything Jackson can write (a Map). */
    public Response send(String method, String path, Object body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json");
            request.method(method, HttpRequest.BodyPublishers.ofString(toJson(body)));
        }
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(method, path, response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + baseUrl + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static String toJson(Object body) {
        if (body instanceof String text) {
            return text;
        }
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON-writable: " + body, e);
        }
    }

    /** An empty JSON object to fill in. */
    public static ObjectNode object() {
        return JSON.createObjectNode();
    }
}
