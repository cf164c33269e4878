/**
 * The cost aggregator: a Kafka Streams application for per-tenant cost, latency and budgets.
 *
 * <p>Not built yet: this module holds only its build wiring until the cost-aggregator issue lands. Nothing here runs.
 */
package io.aijobs.costs;
