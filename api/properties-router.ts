import { Router } from 'express';
import type { PropertyDocument } from '../core/property-document';
import type { Db } from '../db/connection';
import { getPropertyDocument, importProperty } from '../services/property-service';
import { authorize } from './auth';
import type { PropertyImportResultBody } from './response-schemas';

function withoutCredentials(doc: PropertyDocument): PropertyDocument {
  return { ...doc, ...(doc.channels ? { channels: doc.channels.map(({ credentials: _secret, ...channel }) => channel) } : {}) };
}

export function propertiesRouter(db: Db): Router {
  const router = Router();

  router.put('/v1/properties/:code', async (req, res) => {
    authorize(res, req.params.code, ['admin', 'pms']);
    const result = await importProperty(db, req.body, req.params.code);
    res.status(result.created ? 201 : 200).json({ code: result.code, created: result.created, changes: result.changes } satisfies PropertyImportResultBody);
  });

  router.get('/v1/properties/:code', async (req, res) => {
    const principal = authorize(res, req.params.code, ['admin', 'pms', 'channel']);
    const doc = await getPropertyDocument(db, req.params.code);
    // A channel partner may read the mappings it sells under, never the secrets Tidewater uses to
    // reach channels (its own or anyone else's): those are for the hotel's own systems.
    res.json(principal.role === 'channel' ? withoutCredentials(doc) : doc);
  });

  return router;
}
