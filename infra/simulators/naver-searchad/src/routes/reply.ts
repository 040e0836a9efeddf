import type { FastifyReply } from 'fastify';
import type { NaverFailure } from '../naver-errors.ts';

export function sendFailure(reply: FastifyReply, failure: NaverFailure): FastifyReply {
  return reply
    .code(failure.status)
    .type(failure.contentType ?? 'application/json;charset=UTF-8')
    .send(typeof failure.body === 'string' ? failure.body : JSON.stringify(failure.body));
}

export function baseUrlOf(publicBaseUrl: string | null, request: { protocol: string; host: string }): string {
  return (publicBaseUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
}
