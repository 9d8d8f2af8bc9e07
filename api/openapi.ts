/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the zod schemas the routers validate
 * requests with (core/, api/schemas.ts) and type their answers by (api/response-schemas.ts,
 * services/report-schema.ts). Served at GET /openapi.json; test/integration/openapi.test.ts calls
 * every path in it and checks the answers against it.
 *
 * Component names come from `.meta({ id })`. The shared request schemas get theirs here, on copies
 * (`.meta()` returns a new schema), so the schemas the routers validate with stay untouched.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { version } from '../package.json';
import { ariBatchSchema } from '../core/ari';
import { directBookingSchema } from '../core/booking';
import { propertyDocumentSchema } from '../core/property-document';
import { propertyReportSchema } from '../services/report-schema';
import { CLIENT_ID_HEADER, PROTOCOL_VERSION_HEADER } from '../mappers/alpinebits/handshake';
import {
  ariBatchResultSchema,
  bookingSchema,
  directBookingResultSchema,
  healthSchema,
  ledgerViewSchema,
  paymentDeclinedProblemSchema,
  problemSchema,
  propertyImportResultSchema,
  readinessSchema,
  reconciliationResultSchema,
  soldOutProblemSchema,
  storedReconciliationSchema,
} from './response-schemas';
import { rateExplainQuerySchema, rateExplainResultSchema } from './rates-router';
import { idempotencyKeySchema, ledgerViewQuerySchema, reconciliationQuerySchema, reportQuerySchema } from './schemas';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

const PROBLEM = 'application/problem+json';
const JSON_TYPE = 'application/json';

const propertyDocument = propertyDocumentSchema.meta({
  id: 'PropertyDocument',
  description: 'A property: room types, rate plans (derived plans follow their parent with `adjust`) and channels with their code mappings and buffers.',
});
const ariBatch = ariBatchSchema.meta({
  id: 'AriBatch',
  description:
    'Range updates applied atomically, later ones winning field by field. Per room type: `available` (the PMS sellable count; hub bookings it has not acknowledged yet are subtracted), `total` or `outOfOrder`. Per rate plan: `rate` (a decimal string, the price for the plan\'s base occupancy), optionally `rateByGuests` (prices per number of guests, `{ "1": "99.00", "3": "149.00" }`, agreeing with `rate` at the base; a rate pushed without them replaces earlier ones) and restrictions; without `ratePlan` restrictions apply to every plan of the room type. `to` is inclusive; `days` limits an update to weekdays.',
});
const directBooking = directBookingSchema.meta({
  id: 'DirectBooking',
  description: 'Stays are `checkIn` inclusive, `checkOut` exclusive. The sandbox payment provider approves token `approve`, declines `decline` and never answers `hang`.',
});
const propertyReport = propertyReportSchema.meta({ id: 'PropertyReport', description: 'What `tidewater report` shows for one property.' });

/** The OpenAPI document itself, as far as a client needs to know to fetch it. */
const openApiDocumentSchema = z.object({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }).loose(), paths: z.record(z.string(), z.unknown()) }).loose();

const propertyCode = z.string().meta({ description: 'property code', example: 'AMS01' });
const propertyParams = z.object({ code: propertyCode });
const text = z.string();

const json = (description: string, schema: z.ZodType): ResponseConfig => ({ description, content: { [JSON_TYPE]: { schema } } });
const problem = (description: string, schema: z.ZodType = problemSchema): ResponseConfig => ({ description, content: { [PROBLEM]: { schema } } });

/** The answers every `/v1` route can give besides its own. */
const v1Errors = {
  401: problem('No API key, or an unknown or revoked one (type …/unauthenticated).'),
  403: problem('The key belongs to another property, or its role may not do this (type …/forbidden).'),
  404: problem('No such property (type …/unknown-property).'),
  500: problem('An unexpected error; `detail` quotes the request id (also in the `x-request-id` header).'),
} satisfies RouteConfig['responses'];
/** And those of the routes that read a JSON body. */
const bodyErrors = {
  400: problem('The body is not valid JSON (type …/malformed-request).'),
  413: problem('The body is larger than the limit (TIDEWATER_MAX_BODY, 5 MB by default; type …/payload-too-large).'),
} satisfies RouteConfig['responses'];
/** 422: `what` is refused as type …/validation-failed with every bad field's JSON pointer in `errors`; `more` names other 422 types. */
const validation = (what: string, more = ''): ResponseConfig =>
  problem(`${what} (type …/validation-failed; \`errors\` lists every bad field with its JSON pointer)${more}. Nothing was written.`);

const keyAuth: RouteConfig['security'] = [{ bearerAuth: [] }, { basicAuth: [] }];
const roles = (...names: string[]) => `Roles: ${names.join(', ')}.`;

function routes(): RouteConfig[] {
  return [
    {
      method: 'get',
      path: '/healthz',
      tags: ['operations'],
      summary: 'Liveness: Postgres (and Redis, when configured) answer',
      security: [],
      responses: { 200: json('Every dependency answered.', healthSchema), 503: json('A dependency did not answer; `checks` says which and why.', healthSchema) },
    },
    {
      method: 'get',
      path: '/readyz',
      tags: ['operations'],
      summary: 'Readiness: may this process take traffic now',
      description: 'Postgres answers with every migration this build needs applied, Redis answers when configured, and shutdown has not begun.',
      security: [],
      responses: { 200: json('Ready.', readinessSchema), 503: json('Not ready; `checks` says why.', readinessSchema) },
    },
    {
      method: 'get',
      path: '/metrics',
      tags: ['operations'],
      summary: 'Prometheus metrics',
      description: 'Request counts and latency, ARI cells applied, ledger gauges (incidents, bookings in manual recovery) and process metrics, in the Prometheus text format.',
      security: [],
      responses: { 200: { description: 'Prometheus text exposition format 0.0.4.', content: { 'text/plain': { schema: text } } } },
    },
    {
      method: 'get',
      path: '/openapi.json',
      tags: ['operations'],
      summary: 'This document',
      security: [],
      responses: { 200: json('The OpenAPI 3.1 document of the HTTP API.', openApiDocumentSchema) },
    },
    {
      method: 'put',
      path: '/v1/properties/{code}',
      tags: ['properties'],
      summary: 'Create or update a property',
      description: `Creates the property or updates it to the document; room types and plans left out are deactivated. Channels re-check the whole sync horizon when mappings change. ${roles('admin', 'pms')}`,
      security: keyAuth,
      request: { params: propertyParams, body: { required: true, content: { [JSON_TYPE]: { schema: propertyDocument } } } },
      responses: {
        200: json('Updated; `changes` lists what changed (empty: nothing did).', propertyImportResultSchema),
        201: json('Created.', propertyImportResultSchema),
        ...bodyErrors,
        401: v1Errors[401],
        403: v1Errors[403],
        422: validation('The document is not valid, or its `code` is not the one in the URL'),
        500: v1Errors[500],
      },
    },
    {
      method: 'get',
      path: '/v1/properties/{code}',
      tags: ['properties'],
      summary: 'The property document',
      description: roles('admin', 'pms', 'channel'),
      security: keyAuth,
      request: { params: propertyParams },
      responses: { 200: json('The property document, with defaults filled in.', propertyDocument), ...v1Errors },
    },
    {
      method: 'post',
      path: '/v1/properties/{code}/ari',
      tags: ['ari'],
      summary: 'Apply an ARI batch',
      description: `Availability, rates and restrictions, applied in one transaction with the outbox row that distributes them. ${roles('admin', 'pms')}`,
      security: keyAuth,
      request: {
        params: propertyParams,
        headers: z.object({
          'Idempotency-Key': idempotencyKeySchema.optional().meta({ description: 'A repeat with the same key and body returns the first answer and writes nothing.' }),
        }),
        body: { required: true, content: { [JSON_TYPE]: { schema: ariBatch } } },
      },
      responses: {
        200: json('Applied (or replayed).', ariBatchResultSchema),
        ...bodyErrors,
        ...v1Errors,
        409: problem('Inventory would drop below the rooms already sold (type …/inventory-conflict); `errors` points at the updates.'),
        422: validation('The batch is not valid for the property', ', or the Idempotency-Key was used for another body (…/idempotency-key-reused)'),
      },
    },
    {
      method: 'get',
      path: '/v1/properties/{code}/ari',
      tags: ['ari'],
      summary: 'The ledger per night',
      description: `Available, sold, rates, restrictions and versions per room type and rate plan for each night from \`from\` to \`to\`. ${roles('admin', 'pms', 'channel')}`,
      security: keyAuth,
      request: { params: propertyParams, query: ledgerViewQuerySchema },
      responses: { 200: json('One entry per night.', ledgerViewSchema), ...v1Errors, 422: validation('A query parameter is not valid (pointers `/query/<name>`)') },
    },
    {
      method: 'get',
      path: '/v1/properties/{code}/rates/explain',
      tags: ['ari'],
      summary: 'Why a night costs what it costs',
      description: `The chain from the pushed rate through derived plans, pricing rules, floor and ceiling, price ending and (with \`channel\`) the channel's markup, with the rules that did not apply and why. ${roles('admin', 'pms')}`,
      security: keyAuth,
      request: { params: propertyParams, query: rateExplainQuerySchema },
      responses: {
        200: json('The explanation; `final` is null while no rate is loaded.', rateExplainResultSchema),
        ...v1Errors,
        422: validation('A query parameter is not valid, or names a room type, rate plan or channel the property does not have (pointers `/query/<name>`)'),
      },
    },
    {
      method: 'post',
      path: '/v1/properties/{code}/bookings',
      tags: ['bookings'],
      summary: 'Make a direct booking',
      description: `Holds the rooms, authorises the payment, confirms and queues the booking for the PMS. A repeated Idempotency-Key returns the first answer. ${roles('admin', 'pms', 'channel')}`,
      security: keyAuth,
      request: {
        params: propertyParams,
        headers: z.object({ 'Idempotency-Key': idempotencyKeySchema.meta({ description: 'Required: makes the whole booking safe to repeat.' }) }),
        body: { required: true, content: { [JSON_TYPE]: { schema: directBooking } } },
      },
      responses: {
        201: {
          ...json('Confirmed: the payment was authorised.', directBookingResultSchema),
          headers: z.object({ Location: z.string().meta({ description: 'the booking: /v1/properties/{code}/bookings/{id}' }) }),
        },
        202: json('Accepted, status `manual-recovery`: the payment provider did not answer in time, the rooms stay held until a person settles it.', directBookingResultSchema),
        ...bodyErrors,
        402: problem('The payment was declined (type …/payment-declined); the rooms were released.', paymentDeclinedProblemSchema),
        ...v1Errors,
        409: problem('Sold out on at least one night (type …/sold-out, `nights` says where), or the first request with this key is still running (…/request-in-progress).', soldOutProblemSchema),
        422: validation('The booking is not valid', ', not bookable (…/not-bookable: no rate loaded or a restriction; `errors` too), or the Idempotency-Key was used for another body (…/idempotency-key-reused)'),
      },
    },
    {
      method: 'get',
      path: '/v1/properties/{code}/bookings/{id}',
      tags: ['bookings'],
      summary: 'A booking',
      description: `Direct and channel bookings alike; guest details only for pms and admin keys. ${roles('admin', 'pms', 'channel')}`,
      security: keyAuth,
      request: { params: z.object({ code: propertyCode, id: z.string().meta({ description: 'booking id (a UUID)' }) }) },
      responses: { 200: json('The booking.', bookingSchema), ...v1Errors, 404: problem('No such property, or no such booking at it.') },
    },
    {
      method: 'get',
      path: '/v1/properties/{code}/report',
      tags: ['operations'],
      summary: 'Channel health, safety buffer, incidents',
      description: `What \`tidewater report\` shows, for the hotel's own systems. ${roles('admin', 'pms')}`,
      security: keyAuth,
      request: {
        params: propertyParams,
        query: reportQuerySchema,
      },
      responses: { 200: json('The report.', propertyReport), ...v1Errors },
    },
    {
      method: 'get',
      path: '/v1/properties/{code}/reconciliation',
      tags: ['operations'],
      summary: 'The latest reconciliation run',
      description: roles('admin', 'pms'),
      security: keyAuth,
      request: { params: propertyParams },
      responses: { 200: json('The latest run and its findings; `run` is null before the first one.', storedReconciliationSchema), ...v1Errors },
    },
    {
      method: 'post',
      path: '/v1/properties/{code}/reconciliation',
      tags: ['operations'],
      summary: 'Run a reconciliation now',
      description: `Compares what each channel shows (its own view, or what it acknowledged) with the ledger after mappings and buffers, and stores the run. Same as \`tidewater reconcile --format json\` without --fix. ${roles('admin', 'pms')}`,
      security: keyAuth,
      request: { params: propertyParams, query: reconciliationQuerySchema },
      responses: {
        201: json('The run, stored.', reconciliationResultSchema),
        ...v1Errors,
        422: validation('A query parameter is not valid, `to` is before `from`, or the channel is unknown'),
      },
    },
    {
      method: 'post',
      path: '/ota/v1',
      tags: ['xml'],
      summary: 'OpenTravel XML endpoint',
      description:
        'Dispatches on the root element: OTA_HotelAvailNotifRQ, OTA_HotelRateAmountNotifRQ, OTA_HotelInvCountNotifRQ, OTA_HotelResNotifRQ, OTA_ReadRQ, OTA_NotifReportRQ. Answers the matching …RS (OTA_HotelAvailNotifRS, OTA_HotelRateAmountNotifRS, OTA_HotelInvCountNotifRS, OTA_HotelResNotifRS, OTA_ResRetrieveRS, OTA_NotifReportRS) with Success, Warnings or Errors, always with HTTP 200: authentication and authorisation failures too are Errors in the RS. The property is the one whose code or channel `hotelCode` the message names; the key must belong to it. A resent message (same EchoToken and body) replays the first answer.',
      security: keyAuth,
      request: {
        body: {
          required: true,
          description: 'The XML message, whatever the Content-Type says; up to 5 MB.',
          content: { 'text/xml': { schema: text }, 'application/xml': { schema: text }, 'application/soap+xml': { schema: text } },
        },
      },
      responses: {
        200: { description: 'The …RS, as text/xml when the request was text/xml or application/soap+xml, otherwise application/xml.', content: { 'application/xml': { schema: text }, 'text/xml': { schema: text } } },
      },
    },
    {
      method: 'post',
      path: '/alpinebits',
      tags: ['xml'],
      summary: 'AlpineBits HotelData 2024-10 server',
      description:
        'Actions: OTA_Ping:Handshaking (OTA_PingRQ → OTA_PingRS), the pre-2018 handshake getVersion and getCapabilities (no request, no version header needed; answered `OK:<version>` and `OK:<action and capability list>` in text/plain), OTA_HotelInvCountNotif:FreeRooms (OTA_HotelInvCountNotifRQ → OTA_HotelInvCountNotifRS), OTA_HotelRatePlanNotif:RatePlans (OTA_HotelRatePlanNotifRQ → OTA_HotelRatePlanNotifRS: rates and restrictions into the ledger, Overlay / Full / Remove), OTA_HotelDescriptiveContentNotif:Inventory (OTA_HotelDescriptiveContentNotifRQ → OTA_HotelDescriptiveContentNotifRS: room categories checked against the property\'s room types, Warnings for differences, nothing stored), OTA_HotelResNotif:GuestRequests (OTA_HotelResNotifRQ → OTA_HotelResNotifRS), and GuestRequests pulled by the hotel\'s PMS: OTA_Read:GuestRequests (OTA_ReadRQ → OTA_ResRetrieveRS with the bookings this key has not acknowledged) and OTA_NotifReport:GuestRequests (OTA_NotifReportRQ → OTA_NotifReportRS). HTTP Basic with any user name and an API key as the password; the property is the key\'s.',
      security: [{ basicAuth: [] }],
      request: {
        headers: z.object({
          [PROTOCOL_VERSION_HEADER]: z.string().meta({ description: 'AlpineBits version the client speaks, e.g. 2024-10', example: '2024-10' }),
          [CLIENT_ID_HEADER]: z.string().optional().meta({ description: 'client name, logged only' }),
        }),
        body: {
          required: true,
          content: {
            'multipart/form-data': { schema: z.object({ action: z.string().meta({ example: 'OTA_HotelInvCountNotif:FreeRooms' }), request: z.string().meta({ description: 'the OpenTravel XML message' }) }) },
            'application/x-www-form-urlencoded': { schema: z.object({ action: z.string(), request: z.string() }) },
          },
        },
      },
      responses: {
        200: { description: 'The RS, with Success, Warnings or Errors.', content: { 'application/xml': { schema: text } } },
        400: { description: '`ERROR:` and why: no protocol version, unknown action, unreadable form.', content: { 'text/plain': { schema: text } } },
        401: { description: '`ERROR:` no or an unknown key (with WWW-Authenticate: Basic).', content: { 'text/plain': { schema: text } } },
        413: { description: '`ERROR:` the request is larger than 5 MB.', content: { 'text/plain': { schema: text } } },
        500: { description: '`ERROR:` internal error; nothing was processed.', content: { 'text/plain': { schema: text } } },
      },
    },
    {
      method: 'get',
      path: '/ical/{propertyCode}/{channelCode}/{file}',
      tags: ['xml'],
      summary: 'Blocked-nights calendar of an iCal channel room',
      description: 'The nights an `ical` channel (Airbnb, VRBO, …) must not sell, for the channel room named by `file` (`<channel room code>.ics`). No API key: the URL token (an HMAC keyed with the channel\'s `credentials.feedSecret`) is the credential.',
      security: [],
      request: {
        params: z.object({ propertyCode, channelCode: z.string().meta({ description: 'an ical channel of the property' }), file: z.string().meta({ description: '<channel room code>.ics', example: 'apt-202.ics' }) }),
        query: z.object({ token: z.string().meta({ description: 'the feed token of this property, channel and room' }) }),
      },
      responses: {
        200: { description: 'An iCalendar (RFC 5545) of blocked nights.', content: { 'text/calendar': { schema: text } } },
        404: problem('Anything wrong — unknown codes, no feed secret, wrong token — is the same 404.'),
      },
    },
  ];
}

/** Builds the document from the schemas; `openApiDocument()` is the memoised one the server serves. */
export function buildOpenApiDocument(): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', description: 'An API key from `tidewater keys create`.' });
  registry.registerComponent('securitySchemes', 'basicAuth', { type: 'http', scheme: 'basic', description: 'Any user name, the API key as the password (for XML partners).' });
  for (const route of routes()) registry.registerPath(route);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Tidewater',
      version,
      description:
        'The HTTP API of Tidewater, a hotel channel manager hub: property documents, ARI pushes into the ledger, the ledger view, direct bookings, reports and reconciliation, plus the OpenTravel and AlpineBits XML endpoints and iCal feeds. JSON errors are RFC 9457 problem details. Generated from the zod schemas the server validates with.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'properties', description: 'property documents' },
      { name: 'ari', description: 'availability, rates and restrictions' },
      { name: 'bookings', description: 'direct bookings and bookings from channels' },
      { name: 'operations', description: 'health, metrics, reports, reconciliation' },
      { name: 'xml', description: 'OpenTravel, AlpineBits and iCal endpoints for partners' },
    ],
  });
}

let built: OpenApiDocument | undefined;

export function openApiDocument(): OpenApiDocument {
  built ??= buildOpenApiDocument();
  return built;
}
