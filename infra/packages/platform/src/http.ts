import { createHash, timingSafeEqual } from 'node:crypto';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requestTracing } from './http-tracing.ts';
import type { Logger } from './log.ts';

export type HealthCheck = () => Promise<void>;

export interface OpenApiInfo {
  title: string;
  description: string;
  /** components.securitySchemes of the document, for a service whose routes need a caller's credential. */
  securitySchemes?: Record<string, { type: 'http'; scheme: 'bearer'; description?: string }>;
}

export interface HttpAppOptions {
  service: string;
  version?: string;
  logger: Logger;
  /** Named dependency checks for /health/ready (and /health); each throws when its dependency is unusable. */
  health?: Record<string, HealthCheck>;
  openapi?: OpenApiInfo;
  /** A request (headers and body) must arrive within this; a slow or stalled client cannot hold a socket. */
  requestTimeoutMs?: number;
  bodyLimitBytes?: number;
}

/**
 * One way to build a service's HTTP surface: zod schemas drive validation and the OpenAPI document, errors are
 * problem+json (RFC 9457) with 5xx details hidden, and every service answers /health/live and /health/ready.
 */
export async function buildHttpApp(opts: HttpAppOptions) {
  const app = Fastify({
    loggerInstance: opts.logger,
    requestTimeout: opts.requestTimeoutMs ?? 30_000,
    bodyLimit: opts.bodyLimitBytes ?? 1_048_576,
    // The router answers a bad URL or an over-long path parameter before any error handler runs: the same
    // problem+json as every other 4xx, never a bare JSON error.
    frameworkErrors: (err, req, res) => {
      const status = (err as { statusCode?: number }).statusCode ?? 400;
      const reply = res as unknown as FastifyReply;
      reply
        .status(status)
        .type('application/problem+json')
        .send({
          type: `urn:reportline:problem:${status === 414 ? 'uri-too-long' : 'invalid-request'}`,
          title: status === 414 ? 'a path parameter is too long' : 'the URL cannot be parsed',
          status,
          detail: err.message,
          instance: req.url.slice(0, 200),
        });
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(requestTracing);

  await app.register(swagger, {
    openapi: {
      info: {
        title: opts.openapi?.title ?? `Reportline ${opts.service}`,
        description: opts.openapi?.description ?? '',
        version: opts.version ?? '1.0.0',
      },
      ...(opts.openapi?.securitySchemes ? { components: { securitySchemes: opts.openapi.securitySchemes } } : {}),
    },
    transform: jsonSchemaTransform,
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    const validation = err.validation ? { detail: `invalid request: ${err.message}` } : undefined;
    reply
      .status(status)
      .type('application/problem+json')
      .send({
        type: `urn:reportline:problem:${status === 400 ? 'invalid-request' : status >= 500 ? 'internal' : (err.code ?? 'error').toLowerCase()}`,
        title: status >= 500 ? 'Internal error' : err.message,
        status,
        ...(status >= 500
          ? { detail: 'The error was logged; retrying may help.' }
          : (validation ?? { detail: err.message })),
        instance: req.url,
      });
  });
  app.setNotFoundHandler((req, reply) => {
    reply
      .status(404)
      .type('application/problem+json')
      .send({
        type: 'urn:reportline:problem:not-found',
        title: 'Not found',
        status: 404,
        detail: `${req.method} ${req.url} is not a route of ${opts.service}`,
        instance: req.url,
      });
  });

  // Liveness: the process is up and its event loop turns. No dependency is checked: the services wait out outages of
  // Postgres, Kafka, NAVER and Google by design, and restarting them then would only drop work in flight.
  app.get('/health/live', { schema: { hide: true } }, async () => ({ service: opts.service, status: 'ok' }));
  // Readiness: every dependency check passes. `/health` stays an alias, for the probes and scripts that use it.
  const ready = async (_req: FastifyRequest, reply: FastifyReply) => {
    const results: Record<string, string> = {};
    let ok = true;
    for (const [name, check] of Object.entries(opts.health ?? {})) {
      try {
        await check();
        results[name] = 'ok';
      } catch (err) {
        ok = false;
        results[name] = err instanceof Error ? err.message : 'failed';
      }
    }
    reply.status(ok ? 200 : 503).send({ service: opts.service, status: ok ? 'ok' : 'degraded', checks: results });
  };
  app.get('/health/ready', { schema: { hide: true } }, ready);
  app.get('/health', { schema: { hide: true } }, ready);
  return app;
}

export type HttpApp = Awaited<ReturnType<typeof buildHttpApp>>;

/** A problem with a status code for the error handler; use for 4xx the caller can fix. */
export function httpError(statusCode: number, message: string, code = 'request-rejected') {
  return Object.assign(new Error(message), { statusCode, code });
}

/** The service credential's config variable (`INTERNAL_API_TOKEN`): long enough not to be guessed. Never logged. */
export const serviceCredential = z
  .string({ message: 'required: the internal service credential, at least 32 characters (openssl rand -base64 32)' })
  .min(32, 'must be at least 32 characters');

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * A hook for internal endpoints (other Reportline services call them, people do not): the caller must send
 * `authorization: Bearer <credential>`. Register it as `onRequest`, so an unauthenticated caller is turned away
 * before its body is parsed or validated and learns nothing of the route. Both sides are hashed before
 * `timingSafeEqual`, so the comparison takes the same time whatever was sent and whatever its length. The 401 never
 * echoes what was sent.
 */
export function requireServiceCredential(credential: string) {
  if (credential.length < 32) throw new Error('a service credential must be at least 32 characters');
  const expected = digest(credential);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const presented = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (presented !== undefined && timingSafeEqual(digest(presented), expected)) return;
    // Returning the reply ends the request here: the route handler never runs.
    return reply
      .status(401)
      .header('www-authenticate', 'Bearer realm="reportline-internal"')
      .type('application/problem+json')
      .send({
        type: 'urn:reportline:problem:unauthenticated',
        title: 'service credential required',
        status: 401,
        detail: `${req.method} ${req.routeOptions.url ?? req.url} is internal: it needs authorization: Bearer <INTERNAL_API_TOKEN>, and none or another credential was sent`,
        instance: req.url,
      });
  };
}

export type { FastifyInstance };
