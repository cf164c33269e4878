/**
 * The job processor: a Kafka Streams application that executes each job exactly once.
 *
 * <p>Not built yet: this module holds only its build wiring until the processor issue lands. Nothing here runs.
 */
package io.aijobs.processor;
