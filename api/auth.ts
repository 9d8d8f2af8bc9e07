import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AuthenticationError, ForbiddenError } from '../core/errors';
import type { Db } from '../db/connection';
import { findApiKey, type ApiKeyPrincipal, type ApiKeyRole } from '../db/api-keys-repo';

declare module 'express-serve-static-core' {
  interface Locals {
    principal?: ApiKeyPrincipal;
    requestId?: string;
  }
}

/** Reads `Authorization: Bearer <key>`, or HTTP Basic with the key as password (XML partners). */
export function extractKey(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(/\s+/, 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

export function authenticate(db: Db): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = extractKey(req.header('authorization'));
    if (!key) throw new AuthenticationError('send Authorization: Bearer <api key>');
    const principal = await findApiKey(db, key);
    if (!principal) throw new AuthenticationError('unknown or revoked API key');
    res.locals.principal = principal;
    next();
  };
}

/** A key reaches only its own property, and only with one of the given roles. */
export function authorize(res: Response, propertyCode: string, roles: readonly ApiKeyRole[]): ApiKeyPrincipal {
  const principal = res.locals.principal;
  if (!principal) throw new AuthenticationError('send Authorization: Bearer <api key>');
  if (principal.propertyCode !== propertyCode) {
    throw new ForbiddenError(`this key belongs to property ${principal.propertyCode}, not ${propertyCode}`);
  }
  if (!roles.includes(principal.role)) {
    throw new ForbiddenError(`role ${principal.role} may not do this; needs ${roles.join(' or ')}`);
  }
  return principal;
}
