/**
 * `POST /ota/v1`: the OpenTravel XML endpoint. PMSs and other partners push ARI as
 * OTA_HotelAvailNotifRQ, OTA_HotelInvCountNotifRQ or OTA_HotelRateAmountNotifRQ; channels push
 * reservations as OTA_HotelResNotifRQ; a PMS pulls the hotel's bookings with OTA_ReadRQ
 * (→ OTA_ResRetrieveRS) and confirms them with OTA_NotifReportRQ (→ OTA_NotifReportRS).
 *
 * - Body: the raw XML message, whatever the Content-Type (text/xml, application/xml,
 *   application/soap+xml, none): partners label it every way there is. Up to `maxBody` (5 MB);
 *   a larger body is answered with an RS whose Errors say so, without reading the rest.
 * - Answer: always HTTP 200 with the matching `…RS` (`Success`, `Success` + `Warnings`, or
 *   `Errors`), the request's EchoToken echoed. Authentication failures too: a missing or unknown
 *   key is `Errors` Type 4 (authentication) Code 497, a key of another property or role Type 6
 *   (authorization) Code 497. OTA partners treat any non-200 as a transport failure and retry it
 *   forever; an RS tells them exactly what is wrong.
 * - Auth: HTTP Basic with the API key as password (what most XML partners can send), or Bearer.
 * - Which property: HotelCode (AvailStatusMessages / Inventories / RateAmountMessages) names the
 *   property with that code, or a property with an active `pms` or `ota-xml` channel whose
 *   `hotelCode` it is; when several match, the API key's own property. The key must belong to it
 *   (role pms or admin). Matched through a channel, InvTypeCode and RatePlanCode are read through
 *   that channel's code mapping first, then as Tidewater codes; an unknown code is an Error naming
 *   it (402 room type, 249 rate plan) and nothing is written. Unknown HotelCode: Error 392.
 * - A message without the OpenTravel namespace is read anyway, with a Warning.
 * - Idempotency: EchoToken + SHA-256 of the body (the hash alone without EchoToken); a resent
 *   message replays the first answer and changes nothing.
 *
 * The work itself is services/ota-xml-service.ts; this file only moves bytes and credentials.
 */
import { Router } from 'express';
import type { Logger } from '../config/logger';
import type { Db } from '../db/connection';
import { findApiKey } from '../db/api-keys-repo';
import { XmlMessageError } from '../mappers/xml/errors';
import { handleOtaXml, OTA_ARI_ROLES } from '../services/ota-xml-service';
import { authorize, extractKey } from './auth';
import { parseByteSize, readBody } from './raw-body';
import type { ApiMetrics } from './metrics';

export interface OtaRouterOptions {
  logger: Logger;
  metrics: ApiMetrics;
  /** Largest accepted body, e.g. '5mb' (TIDEWATER_MAX_BODY). */
  maxBody: string;
}


export function otaRouter(db: Db, options: OtaRouterOptions): Router {
  const router = Router();
  const maxBytes = parseByteSize(options.maxBody);

  router.post('/ota/v1', async (req, res) => {
    const body = await readBody(req, maxBytes);
    const key = extractKey(req.header('authorization'));
    const principal = key !== undefined ? await findApiKey(db, key) : undefined;
    if (principal) res.locals.principal = principal;
    const encoding = (req.header('content-encoding') ?? 'identity').toLowerCase();
    const transportError = body.tooLarge
      ? new XmlMessageError({ problem: 'too-large', reason: `the message is larger than ${options.maxBody}` })
      : encoding !== 'identity'
        ? new XmlMessageError({ problem: 'not-xml', reason: `Content-Encoding ${encoding} is not supported; send the XML uncompressed` })
        : undefined;

    const answer = await handleOtaXml(
      db,
      body.bytes,
      {
        principal,
        authorize: (propertyCode, roles = OTA_ARI_ROLES) => {
          authorize(res, propertyCode, roles);
        },
      },
      { maxBytes, logger: options.logger, correlationId: res.locals.requestId as string, ...(transportError ? { transportError } : {}) },
    );
    if (answer.unexpected !== undefined) {
      options.logger.error({ err: answer.unexpected, requestId: res.locals.requestId, path: req.path }, 'OTA message failed unexpectedly');
    }
    if (answer.result && answer.propertyCode !== undefined) options.metrics.ariCellsApplied.inc({ property: answer.propertyCode }, answer.result.cells);
    // Answer in the media type the partner used when it is an XML one: some SOAP-era clients
    // refuse application/xml.
    const requestType = (req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    const type = requestType === 'text/xml' || requestType === 'application/soap+xml' ? 'text/xml' : 'application/xml';
    if (body.tooLarge) res.setHeader('connection', 'close');
    res.status(200).type(`${type}; charset=utf-8`).send(answer.xml);
  });

  return router;
}
