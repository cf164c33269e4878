/**
 * The job processor: a Kafka Streams application ({@code exactly_once_v2}) that executes each job on
 * {@code tenant.<t>.jobs} exactly once against an OpenAI-compatible model service and writes one result or one dead
 * letter per job, with retries, usage records, job events and failure alerts.
 *
 * <p>Its public surface is this package: {@link io.aijobs.processor.ProcessorApp} runs it from a
 * {@link io.aijobs.processor.ProcessorConfig}; {@link io.aijobs.processor.JobTopology} builds the topology. The
 * sub-packages are internal and may change: {@code admission} (the ordered checks before a call), {@code execution}
 * (the execution state and the asynchronous calls), {@code failure} (classification and retry policies),
 * {@code pricing}, {@code alerts} and {@code metrics}. The HTTP client of model services is the {@code model-client}
 * module ({@code io.aijobs.model}). Design, invariants and limits: {@code docs/design/processor.md}.
 */
package io.aijobs.processor;
