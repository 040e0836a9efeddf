-- Up Migration
-- The W3C trace context ({"traceparent", "tracestate"?}) active when the row was written: the relay publishes later,
-- outside that request or handler, and sends it as the message's traceparent/tracestate headers so the consumer
-- joins the same trace. NULL when tracing is off. Kept beside the event, not in it: events are frozen contracts.
ALTER TABLE platform.outbox ADD COLUMN trace jsonb;

-- Down Migration
ALTER TABLE platform.outbox DROP COLUMN trace;
