/**
 * Typed domain errors. Each has a stable `code`; the HTTP layer maps them to problem+json once
 * (api/problem.ts) and the XML layer to OpenTravel `Errors` once. Nothing here knows about either.
 */

export interface FieldError {
  /** JSON pointer (RFC 6901) of the offending field in the submitted document, e.g. `/updates/3/rate`. */
  pointer: string;
  detail: string;
}

export abstract class TidewaterError extends Error {
  abstract readonly code: string;
  /** Short, stable, human title for the error kind. */
  abstract readonly title: string;
  constructor(message?: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The request is well-formed but names things that do not exist or break a rule. */
export class ValidationError extends TidewaterError {
  readonly code = 'validation-failed';
  readonly title = 'Your request is not valid';
  constructor(readonly errors: FieldError[], message?: string) {
    super(message ?? summarise(errors));
  }
}

function summarise(errors: FieldError[]): string {
  const first = errors[0];
  if (!first) return 'invalid request';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `${first.pointer || '/'}: ${first.detail}${more}`;
}

export class UnknownPropertyError extends TidewaterError {
  readonly code = 'unknown-property';
  readonly title = 'Unknown property';
  constructor(readonly propertyCode: string) {
    super(`property ${propertyCode} does not exist`);
  }
}

export interface ShortNight {
  roomType: string;
  date: string;
  requested: number;
  available: number;
}

/** Not enough rooms left on one or more nights of a stay; nothing was reserved. */
export class SoldOutError extends TidewaterError {
  readonly code = 'sold-out';
  readonly title = 'Sold out';
  constructor(readonly nights: ShortNight[]) {
    super(
      `not enough rooms: ${nights
        .map((n) => `${n.roomType} on ${n.date} (requested ${n.requested}, available ${n.available})`)
        .join('; ')}`,
    );
  }
}

/** An ARI push would leave a night with fewer rooms than are already sold there. */
export class InventoryConflictError extends TidewaterError {
  readonly code = 'inventory-conflict';
  readonly title = 'Inventory below rooms already sold';
  constructor(readonly errors: FieldError[]) {
    super(summarise(errors));
  }
}

export class UnknownReservationError extends TidewaterError {
  readonly code = 'unknown-reservation';
  readonly title = 'Unknown reservation';
  constructor(readonly reservationId: string) {
    super(`reservation ${reservationId} does not exist`);
  }
}

/** The same idempotency key was used earlier with a different payload. */
export class IdempotencyKeyReusedError extends TidewaterError {
  readonly code = 'idempotency-key-reused';
  readonly title = 'Idempotency key reused with a different payload';
  constructor(readonly key: string) {
    super(`idempotency key ${key} was already used for a different request`);
  }
}

export class AuthenticationError extends TidewaterError {
  readonly code = 'unauthenticated';
  readonly title = 'Authentication required';
}

export class ForbiddenError extends TidewaterError {
  readonly code = 'forbidden';
  readonly title = 'Not allowed';
}

export class NotFoundError extends TidewaterError {
  readonly code = 'not-found';
  readonly title = 'Not found';
}

export class PayloadTooLargeError extends TidewaterError {
  readonly code = 'payload-too-large';
  readonly title = 'Payload too large';
}

export class MalformedRequestError extends TidewaterError {
  readonly code = 'malformed-request';
  readonly title = 'Malformed request';
}

/** The payment provider declined; the rooms held for the booking were released. */
export class PaymentDeclinedError extends TidewaterError {
  readonly code = 'payment-declined';
  readonly title = 'Payment declined';
  constructor(readonly reason: string, readonly bookingId: string) {
    super(`payment declined: ${reason}; the rooms were released`);
  }
}

/** The stay breaks a restriction or has no rate: it cannot be sold as asked. */
export class NotBookableError extends TidewaterError {
  readonly code = 'not-bookable';
  readonly title = 'Not bookable';
  constructor(readonly errors: FieldError[]) {
    super(summarise(errors));
  }
}

/** A request with this idempotency key is still being processed. */
export class RequestInProgressError extends TidewaterError {
  readonly code = 'request-in-progress';
  readonly title = 'The first request with this idempotency key is still in progress';
}
