import { Router } from 'express';
import { openApiDocument } from './openapi';

/** `GET /openapi.json`, without a key like /healthz: the document describes how to get one. Built on first request, then kept. */
export function openApiRouter(): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  return router;
}
