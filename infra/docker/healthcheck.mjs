// The images' health check: GET http://127.0.0.1:$PORT$HEALTH_PATH must answer 2xx within 4 s. Plain JavaScript with
// no dependencies, because the slim image has no curl and this must run whatever the entry point is.
const port = process.env.PORT ?? '8080';
// Readiness, not liveness: compose starts a service's dependents only once it has joined its groups and reaches Postgres.
const path = process.env.HEALTH_PATH ?? '/health/ready';
try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(4_000) });
  if (!res.ok) console.error(`${path} answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  console.error(`${path} did not answer: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
