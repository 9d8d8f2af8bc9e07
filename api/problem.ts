import type { ErrorRequestHandler, Response } from 'express';
import {
  AuthenticationError,
  ForbiddenError,
  IdempotencyKeyReusedError,
  InventoryConflictError,
  MalformedRequestError,
  NotBookableError,
  NotFoundError,
  PaymentDeclinedError,
  RequestInProgressError,
  PayloadTooLargeError,
  SoldOutError,
  TidewaterError,
  UnknownPropertyError,
  UnknownReservationError,
  ValidationError,
} from '../core/errors';
import type { Logger } from '../config/logger';

export const PROBLEM_BASE = 'https://tidewater.dev/problems/';

/** RFC 9457 problem details. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: Array<{ pointer: string; detail: string }>;
  [extension: string]: unknown;
}

const statusByError: Array<[new (...args: never[]) => TidewaterError, number]> = [
  [ValidationError, 422],
  [UnknownPropertyError, 404],
  [UnknownReservationError, 404],
  [NotFoundError, 404],
  [SoldOutError, 409],
  [InventoryConflictError, 409],
  [IdempotencyKeyReusedError, 422],
  [AuthenticationError, 401],
  [ForbiddenError, 403],
  [PayloadTooLargeError, 413],
  [MalformedRequestError, 400],
  [PaymentDeclinedError, 402],
  [NotBookableError, 422],
  [RequestInProgressError, 409],
];

export function toProblem(error: TidewaterError, instance?: string): Problem {
  const status = statusByError.find(([type]) => error instanceof type)?.[1] ?? 400;
  const problem: Problem = { type: PROBLEM_BASE + error.code, title: error.title, status, detail: error.message };
  if (instance) problem.instance = instance;
  if (error instanceof ValidationError || error instanceof InventoryConflictError || error instanceof NotBookableError) problem.errors = error.errors;
  if (error instanceof PaymentDeclinedError) problem.bookingId = error.bookingId;
  if (error instanceof SoldOutError) problem.nights = error.nights;
  return problem;
}

export function sendProblem(res: Response, problem: Problem): void {
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}

/** body-parser errors carry `type` and `status`; everything else unknown is a 500 that says nothing internal. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const bodyError = err as { type?: string; status?: number; limit?: number; message?: string };
    let error: TidewaterError | undefined;
    if (err instanceof TidewaterError) error = err;
    else if (bodyError.type === 'entity.too.large') {
      error = new PayloadTooLargeError(`request body exceeds the limit of ${bodyError.limit ?? '?'} bytes`);
    } else if (bodyError.type === 'entity.parse.failed') {
      error = new MalformedRequestError(`request body is not valid JSON: ${bodyError.message ?? ''}`.trim());
    } else if (typeof bodyError.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
      error = new MalformedRequestError(bodyError.message ?? 'bad request');
    }
    if (error) {
      sendProblem(res, toProblem(error, req.originalUrl));
      return;
    }
    logger.error({ err, path: req.path, requestId: res.locals.requestId }, 'unhandled error');
    sendProblem(res, {
      type: PROBLEM_BASE + 'internal',
      title: 'Internal error',
      status: 500,
      detail: `an unexpected error occurred; quote request id ${String(res.locals.requestId)} to support`,
    });
  };
}
