package io.aijobs.application;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The arguments of the platform's programs ({@code ProcessorApp}, {@code CostAggregatorApp}):
 * {@code CONFIG.properties [key=value ...]}, where the pairs after the file override it.
 */
final class ProgramArguments {

    /** The arguments are not {@code CONFIG.properties [key=value ...]}; the message says what is wrong. */
    public static final class MisuseException extends IllegalArgumentException {
        MisuseException(String message) {
            super(message);
        }
    }

    private ProgramArguments() {
    }

    /** The file's properties, then the overrides, with references to secrets resolved (see {@link ConfigFile}). */
    public static Map<String, Object> load(String[] args) throws IOException {
        if (args.length < 1 || args[0].startsWith("-")) {
            throw new MisuseException("a properties file comes first");
        }
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            String[] pair = args[i].split("=", 2);
            if (pair.length != 2) {
                throw new MisuseException("Not key=value: " + args[i]);
            }
            overrides.put(pair[0], pair[1]);
        }
        return ConfigFile.load(Path.of(args[0]), overrides);
    }
}
