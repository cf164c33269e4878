/**
 * The job processor: a Kafka Streams application ({@code exactly_once_v2}) that executes each job on
 * {@code tenant.<t>.jobs} exactly once against an OpenAI-compatible model service and writes one result or one dead
 * letter per job, with retries, usage records, job events and failure alerts.
 *
 * <p>{@link io.aijobs.processor.ProcessorApp} runs it from a {@link io.aijobs.processor.ProcessorConfig};
 * {@link io.aijobs.processor.JobTopology} builds the topology. Sub-packages: {@code execution} (admission, the
 * execution state and the asynchronous calls), {@code failure} (classification and retry policies), {@code model}
 * (the HTTP client), {@code pricing}, {@code alerts} and {@code metrics}. Design, invariants and limits:
 * {@code docs/design/processor.md}.
 */
package io.aijobs.processor;
