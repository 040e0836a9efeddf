import { type Context, context, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';

/** Probes and scrapes come every few seconds from the platform, not from a user: tracing them is only noise. */
const UNTRACED = /^\/(health|metrics)(\/|\?|$)/;

/**
 * A SERVER span per request, child of the caller's `traceparent` when it sent one. The span is made active for the
 * route handler (preHandler runs after the body is read, whose stream callbacks would lose an earlier context), so
 * the handler's outbox rows, client calls and log lines belong to the request's trace. Register it with `await`
 * before any route.
 */
export const requestTracing: FastifyPluginAsync = async (app) => {
  const spans = new WeakMap<FastifyRequest, { span: Span; ctx: Context }>();
  const tracer = trace.getTracer('@reportline/platform');
  app.addHook('onRequest', (req, _reply, done) => {
    if (UNTRACED.test(req.url)) return done();
    const route = req.routeOptions.url;
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      route ? `${req.method} ${route}` : req.method,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'url.path': req.url.split('?')[0], 'http.route': route },
      },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    spans.set(req, { span, ctx });
    context.with(ctx, done);
  });
  app.addHook('preHandler', (req, _reply, done) => {
    const traced = spans.get(req);
    if (!traced) return done();
    context.with(traced.ctx, done);
  });
  app.addHook('onError', (req, _reply, err, done) => {
    spans.get(req)?.span.recordException(err);
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    const traced = spans.get(req);
    if (traced) {
      traced.span.setAttribute('http.response.status_code', reply.statusCode);
      // Server spans are errors for 5xx only: a 4xx is the caller's mistake, answered correctly.
      if (reply.statusCode >= 500) traced.span.setStatus({ code: SpanStatusCode.ERROR });
      traced.span.end();
      spans.delete(req);
    }
    done();
  });
};

// What fastify-plugin does: the hooks apply to the whole app, not only inside this plugin's encapsulated context.
Object.assign(requestTracing, { [Symbol.for('skip-override')]: true });
