package io.aijobs.cli;

import io.aijobs.contracts.Topic;
import io.aijobs.devstack.StackEndpoints;
import io.aijobs.pricing.PriceBook;
import io.aijobs.schema.ModelPrice;
import io.aijobs.serde.RestSchemaRegistryClient;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code aijobs prices load FILE}: publishes a price file to the compacted prices topic, which running apps follow. */
@Command(name = "prices", mixinStandardHelpOptions = true, description = "Manage model prices (the prices topic, platform.prices under the default prefix).",
        subcommands = {PricesCommand.LoadCommand.class})
final class PricesCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: load");
    }

    @Command(name = "load", mixinStandardHelpOptions = true,
            description = {"Publish the prices of FILE (CSV: model,effective_from,input_per_million,output_per_million"
                    + "[,cached_input_per_million]) to the prices topic; the cost aggregator applies them without a restart."})
    static final class LoadCommand implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "FILE", description = "Price file")
        Path file;

        @Option(names = "--price-version", paramLabel = "V", description = "Version recorded on each price (default: the file name)")
        String version;

        @Mixin
        StackOptions stack;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (!Files.isReadable(file)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "Cannot read " + file);
            }
            List<ModelPrice> prices;
            try {
                prices = PriceBook.parse(file, version != null ? version : file.getFileName().toString());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            PrintWriter out = spec.commandLine().getOut();
            StackEndpoints endpoints = stack.resolve();
            String topic;
            try (RestSchemaRegistryClient registry = StackOptions.registry(endpoints)) {
                Topic<String, ModelPrice> pricesTopic = stack.topics(endpoints, registry).prices();
                topic = pricesTopic.name();
                try (KafkaProducer<String, ModelPrice> producer = pricesTopic.producer(StackOptions.withSecurity(endpoints, Map.of(
                        "bootstrap.servers", endpoints.bootstrapServers(),
                        "enable.idempotence", true, "acks", "all", "max.in.flight.requests.per.connection", 1)))) {
                    List<Future<RecordMetadata>> sent = prices.stream()
                            .map(price -> producer.send(pricesTopic.record(PriceBook.key(price), price))).toList();
                    for (Future<RecordMetadata> future : sent) {
                        future.get();
                    }
                }
            }
            for (ModelPrice price : prices) {
                out.printf("%-28s from %-22s in %-10s out %-10s per million%n", price.getModel(), price.getEffectiveFrom(),
                        price.getInputPerMillion(), price.getOutputPerMillion());
            }
            out.printf("Published %d price(s) to %s%n", prices.size(), topic);
            return 0;
        }
    }
}
