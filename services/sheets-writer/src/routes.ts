import { PreflightRequest, PreflightResult, Problem } from '@reportline/contracts';
import { type HttpApp, requireServiceCredential } from '@reportline/platform';
import { preflight } from './preflight.ts';
import type { PrincipalPool } from './principal-pool.ts';

/**
 * The writer's internal endpoint for the scheduler. Only services may call it: each call spends Google quota of a
 * principal and binds connections to principals.
 */
export function preflightRoutes(http: HttpApp, principals: PrincipalPool, serviceCredential: string): void {
  http.post(
    '/internal/preflight',
    {
      onRequest: requireServiceCredential(serviceCredential),
      schema: {
        body: PreflightRequest,
        description:
          "Checks that the connection's Google principal can write the target: the spreadsheet exists, is shared with " +
          'the principal as Editor (proved by adding and deleting a hidden probe tab in one atomic batchUpdate: one ' +
          'read and one write of quota) and the tab name is valid and not reserved. 200 with ok and, when not ok, ' +
          'each problem with the action the user must take; principalEmail is the email to share with (a new ' +
          'connection is bound to a principal here). 503 when Google did not answer within the backoff. Internal: ' +
          'needs authorization: Bearer <INTERNAL_API_TOKEN>.',
        response: { 200: PreflightResult, 401: Problem, 503: Problem },
      },
    },
    async (req, reply) => {
      const { connectionId, spreadsheetId, sheetName } = req.body;
      const client = await principals.forConnection(connectionId);
      try {
        return await preflight(
          { port: client.port, quota: client.quota, principalEmail: client.principal.email },
          { spreadsheetId, sheetName },
        );
      } catch (err) {
        req.log.warn({ err, spreadsheetId }, 'preflight could not reach Google Sheets');
        return reply
          .status(503)
          .type('application/problem+json')
          .send({
            type: 'urn:reportline:problem:sheets-unavailable',
            title: 'Google Sheets did not answer the preflight',
            status: 503,
            detail: `spreadsheet ${spreadsheetId} could not be checked now; ask again later`,
          });
      }
    },
  );
}
