/**
 * `POST /alpinebits`: Tidewater as an AlpineBits HotelData 2024-10 server, for PMSs that push
 * FreeRooms (OTA_HotelInvCountNotif:FreeRooms), RatePlans (OTA_HotelRatePlanNotif:RatePlans) and
 * their room categories (OTA_HotelDescriptiveContentNotif:Inventory), and pull the bookings
 * Tidewater took (OTA_Read:GuestRequests, acknowledged with OTA_NotifReport:GuestRequests); for
 * clients that push reservations (OTA_HotelResNotif:GuestRequests); and for discovering us with
 * OTA_Ping:Handshaking (or, before 2018-10, getVersion / getCapabilities).
 *
 * - Body: multipart/form-data (or application/x-www-form-urlencoded, which older clients send)
 *   with the fields `action` and `request`, up to `maxBody` (5 MB). Read raw here, before the JSON
 *   parser, and split by mappers/alpinebits/handshake.ts `decodeFormBody`.
 * - Headers: X-AlpineBits-ClientProtocolVersion (required but for getVersion / getCapabilities),
 *   X-AlpineBits-ClientID (logged only).
 * - Auth: HTTP Basic, any user name, a Tidewater API key as the password: role pms or admin for
 *   everything the hotel's systems do, also channel for GuestRequests pushes (the roles per action
 *   are the service's). The property is the key's; the message's HotelCode must name it.
 * - Answer: `ERROR:…` plain text with 400 / 401 / 413 / 500 where AlpineBits puts transport
 *   outcomes, `OK:…` for getVersion / getCapabilities, otherwise 200 with the action's RS
 *   (Success, Warnings or Errors).
 *
 * The work is services/alpinebits-service.ts; this file only moves bytes and credentials.
 */
import { Router } from 'express';
import type { Logger } from '../config/logger';
import type { Db } from '../db/connection';
import { findApiKey } from '../db/api-keys-repo';
import { CLIENT_ID_HEADER, PROTOCOL_VERSION_HEADER } from '../mappers/alpinebits/handshake';
import { handleAlpineBits } from '../services/alpinebits-service';
import { OTA_ARI_ROLES } from '../services/ota-xml-service';
import { authorize, extractKey } from './auth';
import { parseByteSize, readBody } from './raw-body';
import type { ApiMetrics } from './metrics';

export interface AlpineBitsRouterOptions {
  logger: Logger;
  metrics: ApiMetrics;
  /** Largest accepted body, e.g. '5mb' (TIDEWATER_MAX_BODY). */
  maxBody: string;
}

export function alpineBitsRouter(db: Db, options: AlpineBitsRouterOptions): Router {
  const router = Router();
  const maxBytes = parseByteSize(options.maxBody);

  router.post('/alpinebits', async (req, res) => {
    const body = await readBody(req, maxBytes);
    const key = extractKey(req.header('authorization'));
    const principal = key !== undefined ? await findApiKey(db, key) : undefined;
    if (principal) res.locals.principal = principal;

    const answer = await handleAlpineBits(
      db,
      {
        protocolVersion: req.header(PROTOCOL_VERSION_HEADER),
        clientId: req.header(CLIENT_ID_HEADER),
        contentType: req.header('content-type'),
        contentEncoding: req.header('content-encoding'),
        body: body.bytes,
        tooLarge: body.tooLarge,
      },
      {
        principal,
        authorize: (propertyCode, roles = OTA_ARI_ROLES) => {
          authorize(res, propertyCode, roles);
        },
      },
      { maxBytes, maxBodyLabel: options.maxBody, logger: options.logger, correlationId: res.locals.requestId as string },
    );

    if (body.tooLarge) res.setHeader('connection', 'close');
    if (answer.kind === 'text') {
      if (answer.unexpected !== undefined) {
        options.logger.error({ err: answer.unexpected, requestId: res.locals.requestId, clientId: req.header(CLIENT_ID_HEADER) }, 'AlpineBits request failed unexpectedly');
      }
      if (answer.httpStatus === 401) res.setHeader('www-authenticate', 'Basic realm="Tidewater AlpineBits", charset="UTF-8"');
      res.status(answer.httpStatus).type('text/plain; charset=utf-8').send(answer.text);
      return;
    }
    if (answer.result && answer.propertyCode !== undefined) options.metrics.ariCellsApplied.inc({ property: answer.propertyCode }, answer.result.cells);
    res.status(200).type('application/xml; charset=utf-8').send(answer.xml);
  });

  return router;
}
