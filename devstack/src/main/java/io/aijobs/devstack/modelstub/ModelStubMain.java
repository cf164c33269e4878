package io.aijobs.devstack.modelstub;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the {@link ModelStub} as its own process, as the dev stack does.
 *
 * <pre>
 * ModelStubMain --port 18000 [--latency lognormal:200,0.4] [--fault-rate rate_limit=0.05] [--retry-after-ms 1000]
 *               [--max-concurrent 100] [--prompt-cache on]
 * </pre>
 * Misuse prints the usage and exits 2.
 */
public final class ModelStubMain {

    private static final String USAGE = "Usage: ModelStubMain --port PORT [--latency fixed:MS|uniform:MIN-MAX|lognormal:MEDIAN,SIGMA]"
            + " [--fault-rate FAULT=P]... [--retry-after-ms MS] [--max-concurrent N] [--prompt-cache on|off]\n  faults: rate_limit, server_error, unavailable, timeout,"
            + " invalid_request, refusal";

    private ModelStubMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        ModelStubConfig config;
        try {
            config = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        ModelStub stub = ModelStub.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stub.close();
            stopped.countDown();
        }, "model-stub-shutdown"));
        System.out.println("Model stub ready at " + stub.baseUrl());
        stopped.await();
    }

    static ModelStubConfig parse(String[] args) {
        ModelStubConfig config = ModelStubConfig.defaults();
        Map<Fault, Double> rates = new EnumMap<>(Fault.class);
        boolean portGiven = false;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("Missing value for " + option);
            }
            String value = args[++i];
            try {
                switch (option) {
                    case "--port":
                        config = config.withPort(Integer.parseInt(value));
                        portGiven = true;
                        break;
                    case "--latency":
                        config = config.withLatency(LatencyDistribution.parse(value));
                        break;
                    case "--retry-after-ms":
                        config = config.withRetryAfter(Duration.ofMillis(Long.parseLong(value)));
                        break;
                    case "--max-concurrent":
                        config = config.withMaxConcurrent(Integer.parseInt(value));
                        break;
                    case "--prompt-cache":
                        if (!value.equals("on") && !value.equals("off")) {
                            throw new IllegalArgumentException("--prompt-cache must be on or off, got " + value);
                        }
                        config = config.withPromptCache(value.equals("on"));
                        break;
                    case "--fault-rate": {
                        String[] pair = value.split("=", 2);
                        if (pair.length != 2) {
                            throw new IllegalArgumentException("--fault-rate needs FAULT=PROBABILITY, got " + value);
                        }
                        rates.put(Fault.parse(pair[0]), Double.parseDouble(pair[1]));
                        break;
                    }
                    default:
                        throw new IllegalArgumentException("Unknown option " + option);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Invalid number for " + option + ": " + value);
            }
        }
        if (!portGiven) {
            throw new IllegalArgumentException("--port is required");
        }
        return config.withFaultRates(rates);
    }
}
