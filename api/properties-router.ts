import { Router } from 'express';
import type { Db } from '../db/connection';
import { getPropertyDocument, importProperty } from '../services/property-service';
import { authorize } from './auth';
import type { PropertyImportResultBody } from './response-schemas';

export function propertiesRouter(db: Db): Router {
  const router = Router();

  router.put('/v1/properties/:code', async (req, res) => {
    authorize(res, req.params.code, ['admin', 'pms']);
    const result = await importProperty(db, req.body, req.params.code);
    res.status(result.created ? 201 : 200).json({ code: result.code, created: result.created, changes: result.changes } satisfies PropertyImportResultBody);
  });

  router.get('/v1/properties/:code', async (req, res) => {
    authorize(res, req.params.code, ['admin', 'pms', 'channel']);
    res.json(await getPropertyDocument(db, req.params.code));
  });

  return router;
}
