import { Router } from 'express';
import { NotFoundError } from '../core/errors';
import type { Db } from '../db/connection';
import { renderChannelFeed } from '../connectors/ical/ical-feed';

/**
 * GET /ical/{propertyCode}/{channelCode}/{channelRoomCode}.ics?token=…
 *
 * The blocked-nights calendar an `ical` channel (Airbnb, VRBO, …) imports. Mounted before the
 * `/v1` API-key check: these channels fetch anonymously, so the URL's HMAC token (see
 * connectors/ical/ical-feed.ts) is the credential. Every failure — unknown codes, no feed secret,
 * wrong token — is the same 404, so the endpoint confirms nothing to a guesser.
 */
export function icalRouter(db: Db): Router {
  const router = Router();
  router.get('/ical/:propertyCode/:channelCode/:file', async (req, res) => {
    const { propertyCode, channelCode, file } = req.params;
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    const feed = file.endsWith('.ics') && token !== '' ? await renderChannelFeed(db, { propertyCode, channelCode, channelRoomCode: file.slice(0, -'.ics'.length), token }) : undefined;
    if (feed === undefined) throw new NotFoundError('no such calendar');
    res
      .status(200)
      .type('text/calendar; charset=utf-8')
      // Channels poll on their own schedule; a cached copy would hide a night sold a minute ago.
      .set('cache-control', 'no-store')
      .set('content-disposition', `inline; filename="${encodeURIComponent(file)}"`)
      .send(feed);
  });
  return router;
}
