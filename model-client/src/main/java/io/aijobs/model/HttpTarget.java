package io.aijobs.model;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where an {@link OpenAiModelClient} sends chat completions, and how it authenticates: {@code POST baseUrl + chatPath},
 * the key in {@code keyHeader} (as {@code keyScheme KEY}, or the bare key when the scheme is empty), and fixed extra
 * headers. {@value #MODEL_PLACEHOLDER} in the base URL or path is replaced by each job's model, so Azure OpenAI's
 * shape is expressible:
 * <pre>
 * baseUrl   https://RESOURCE.openai.azure.com/openai/deployments/{model}
 * chatPath  /chat/completions?api-version=2024-10-21
 * keyHeader api-key, keyScheme "" (empty)
 * </pre>
 * {@link #toString()} never shows the key.
 *
 * @param baseUrl   the API base, e.g. {@code https://api.openai.com/v1}
 * @param chatPath  appended to the base; may carry a query
 * @param apiKey    the key, if the server needs one
 * @param keyHeader the header that carries the key
 * @param keyScheme the scheme before the key in that header ({@code Bearer}), or empty for the bare key
 * @param headers   sent on every request (e.g. {@code OpenAI-Organization}); never the key header
 */
public record HttpTarget(String baseUrl, String chatPath, Optional<String> apiKey, String keyHeader, String keyScheme,
                         Map<String, String> headers) {

    public static final String MODEL_PLACEHOLDER = "{model}";
    static final String MODEL_PLACEHOLDER_ENCODED = "%7Bmodel%7D";

    public HttpTarget {
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(chatPath, "chatPath");
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(keyHeader, "keyHeader");
        Objects.requireNonNull(keyScheme, "keyScheme");
        headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
        if (keyHeader.isBlank()) {
            throw new IllegalArgumentException("the key header must not be blank");
        }
        for (String name : headers.keySet()) {
            if (name.equalsIgnoreCase(keyHeader)) {
                throw new IllegalArgumentException("header " + name + " carries the API key; set the key, not the header");
            }
        }
        URI uri = chatCompletionsUri(baseUrl, chatPath);
        if (uri.getRawAuthority() != null && uri.getRawAuthority().contains(MODEL_PLACEHOLDER_ENCODED)) {
            throw new IllegalArgumentException(MODEL_PLACEHOLDER + " may appear in the path, not in the host: " + baseUrl);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException("not an http(s) URL with a host: " + baseUrl);
        }
    }

    /** OpenAI's shape: {@code POST baseUrl/chat/completions} with {@code Authorization: Bearer KEY}. */
    public static HttpTarget openAi(String baseUrl, Optional<String> apiKey) {
        return new HttpTarget(baseUrl, "/chat/completions", apiKey, "Authorization", "Bearer", Map.of());
    }

    /** The chat-completions URL, with {@value #MODEL_PLACEHOLDER} percent-encoded so that it parses. */
    public URI chatCompletionsUri() {
        return chatCompletionsUri(baseUrl, chatPath);
    }

    private static URI chatCompletionsUri(String baseUrl, String chatPath) {
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        String path = chatPath.isEmpty() || chatPath.startsWith("/") ? chatPath : "/" + chatPath;
        try {
            return URI.create((base + path).replace(MODEL_PLACEHOLDER, MODEL_PLACEHOLDER_ENCODED));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a valid URL: " + base + path + " (" + e.getMessage() + ")");
        }
    }

    String keyValue(String key) {
        return keyScheme.isEmpty() ? key : keyScheme + " " + key;
    }

    @Override
    public String toString() {
        return "HttpTarget[" + baseUrl + chatPath + ", key " + (apiKey.isPresent() ? "in " + keyHeader : "none")
                + ", headers " + headers.keySet() + "]";
    }
}
