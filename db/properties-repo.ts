import type { Property } from '../core/property';
import { currencyDecimals } from '../core/money';
import { toPropertyDocument } from '../core/property-document';
import type { DbHandle } from './connection';

/** A property with the database ids the ledger tables key on. */
export interface StoredProperty {
  id: number;
  property: Property;
  currencyDecimals: number;
  roomTypeIds: Map<string, number>;
  ratePlanIds: Map<string, number>;
  channelIds: Map<string, number>;
}

export interface PropertyChanges {
  created: boolean;
  changes: string[];
}

/**
 * Creates or updates a property and its room types, rate plans, channels and code mappings from a
 * validated document. Room types and plans left out of the document are deactivated, not deleted,
 * because ledger cells and reservations still refer to them.
 */
export async function upsertProperty(trx: DbHandle, property: Property): Promise<PropertyChanges> {
  const changes: string[] = [];
  const existing = await trx('properties').where({ code: property.code }).forUpdate().first<{ id: number; document: unknown }>();
  const row = {
    code: property.code,
    name: property.name,
    timezone: property.timezone,
    currency: property.currency,
    currency_decimals: currencyDecimals(property.currency),
    document: JSON.stringify(toPropertyDocument(property)),
    updated_at: trx.fn.now(),
  };
  let propertyId: number;
  if (existing) {
    propertyId = existing.id;
    const before = existing.document as Property;
    for (const field of ['name', 'timezone', 'currency'] as const) {
      if (before[field] !== property[field]) changes.push(`${field}: ${before[field]} → ${property[field]}`);
    }
    // Prices are computed from the rules when a channel's view is read, so a rule change must count
    // as a change: the import then marks every channel's horizon dirty and the new prices go out.
    if (stableJson(before.pricing ?? null) !== stableJson(property.pricing ?? null)) {
      changes.push(!before.pricing ? 'added pricing rules' : !property.pricing ? 'removed pricing rules' : 'changed pricing rules');
    }
    // Occupancy prices are derived at view time too, so a change of a plan's settings re-sends them.
    for (const plan of property.ratePlans) {
      const old = (before.ratePlans ?? []).find((p) => p.code === plan.code);
      if (old && stableJson(old.occupancy ?? null) !== stableJson(plan.occupancy ?? null)) changes.push(`changed occupancy prices of rate plan ${plan.code}`);
    }
    await trx('properties').where({ id: propertyId }).update(row);
  } else {
    const [inserted] = await trx('properties').insert(row).returning<{ id: number }[]>('id');
    propertyId = (inserted as { id: number }).id;
    changes.push(`created property ${property.code} (${property.name}, ${property.timezone}, ${property.currency})`);
  }

  const roomTypeIds = await syncRows(
    trx,
    'room_types',
    propertyId,
    property.roomTypes.map((r) => ({ code: r.code, name: r.name, rooms: r.rooms, max_occupancy: r.maxOccupancy })),
    'room type',
    changes,
  );

  // Parents first so a child's parent_id can be resolved.
  const ordered = orderByDerivation(property);
  const ratePlanIds = new Map<string, number>();
  const planRows = ordered.map((p) => ({
    code: p.code,
    name: p.name,
    parent_id: null as number | null,
    adjust_percent: p.adjust && 'percent' in p.adjust ? p.adjust.percent : null,
    adjust_amount: p.adjust && 'amount' in p.adjust ? p.adjust.amount : null,
  }));
  // Insert without parents, then link: a plan may be re-parented onto a plan created in this import.
  for (const [code, id] of await syncRows(trx, 'rate_plans', propertyId, planRows, 'rate plan', changes)) ratePlanIds.set(code, id);
  for (const p of ordered) {
    const parentId = p.derivedFrom !== undefined ? ratePlanIds.get(p.derivedFrom) ?? null : null;
    await trx('rate_plans').where({ id: ratePlanIds.get(p.code) }).update({ parent_id: parentId });
  }
  const planIds = [...ratePlanIds.values()];
  await trx('rate_plan_room_types').whereIn('rate_plan_id', planIds).delete();
  const links = property.ratePlans.flatMap((p) =>
    p.roomTypes.map((rt) => ({ rate_plan_id: ratePlanIds.get(p.code), room_type_id: roomTypeIds.get(rt) })),
  );
  if (links.length > 0) await trx('rate_plan_room_types').insert(links);

  const channelIds = await syncRows(
    trx,
    'channels',
    propertyId,
    property.channels.map((c) => ({
      code: c.code,
      type: c.type,
      endpoint: c.endpoint ?? null,
      critical: c.critical,
      buffer_rooms: c.buffer.rooms,
      // The markup and currency live here so that changing either alone counts as a change and re-sends the prices.
      config: JSON.stringify({ hotelCode: c.hotelCode, credentials: c.credentials, settings: c.settings, markup: c.markup, currency: c.currency }),
    })),
    'channel',
    changes,
  );
  for (const c of property.channels) {
    const channelId = channelIds.get(c.code) as number;
    const mappingChanges = await mappingChangesOf(trx, channelId, c);
    if (mappingChanges.length > 0) {
      changes.push(`changed channel ${c.code}: ${mappingChanges.join(', ')}`);
      // What the channel acknowledged was under its old codes: forget it, so the next sync sends the
      // whole horizon under the new ones (the caller marks every channel dirty on any change).
      await trx('channel_inventory_state').where({ channel_id: channelId }).delete();
      await trx('channel_rate_state').where({ channel_id: channelId }).delete();
    }
    await trx('channel_room_types').where({ channel_id: channelId }).delete();
    await trx('channel_rate_plans').where({ channel_id: channelId }).delete();
    const rtRows = Object.entries(c.roomTypes).map(([code, channelCode]) => ({
      channel_id: channelId,
      room_type_id: roomTypeIds.get(code),
      channel_code: channelCode,
    }));
    const rpRows = Object.entries(c.ratePlans).map(([code, channelCode]) => ({
      channel_id: channelId,
      rate_plan_id: ratePlanIds.get(code),
      channel_code: channelCode,
    }));
    if (rtRows.length > 0) await trx('channel_room_types').insert(rtRows);
    if (rpRows.length > 0) await trx('channel_rate_plans').insert(rpRows);
  }
  return { created: !existing, changes };
}

/**
 * How a channel's code mappings differ from the stored ones, in words (`room type DBL 1001 → 1002`).
 * A channel created by this import has no stored mappings and reports nothing here ("added").
 */
async function mappingChangesOf(trx: DbHandle, channelId: number, channel: Property['channels'][number]): Promise<string[]> {
  const [rooms, plans] = await Promise.all([
    trx('channel_room_types as m').join('room_types as r', 'r.id', 'm.room_type_id').where('m.channel_id', channelId).select<{ code: string; channel_code: string }[]>('r.code', 'm.channel_code'),
    trx('channel_rate_plans as m').join('rate_plans as r', 'r.id', 'm.rate_plan_id').where('m.channel_id', channelId).select<{ code: string; channel_code: string }[]>('r.code', 'm.channel_code'),
  ]);
  if (rooms.length === 0 && plans.length === 0) return [];
  const diff = (label: string, stored: Array<{ code: string; channel_code: string }>, wanted: Record<string, string>) => {
    const before = new Map(stored.map((m) => [m.code, m.channel_code]));
    const codes = [...new Set([...before.keys(), ...Object.keys(wanted)])].sort();
    return codes.filter((code) => before.get(code) !== wanted[code]).map((code) => `${label} ${code} ${before.get(code) ?? '∅'} → ${wanted[code] ?? '∅'}`);
  };
  return [...diff('room type', rooms, channel.roomTypes), ...diff('rate plan', plans, channel.ratePlans)];
}

type SyncRow = { code: string } & Record<string, unknown>;

/** Upserts rows by code under a property, deactivates rows whose code is gone, records what changed. */
async function syncRows(
  trx: DbHandle,
  table: 'room_types' | 'rate_plans' | 'channels',
  propertyId: number,
  rows: SyncRow[],
  label: string,
  changes: string[],
): Promise<Map<string, number>> {
  const before = await trx(table).where({ property_id: propertyId }).select<Array<SyncRow & { id: number; active: boolean }>>('*');
  const byCode = new Map(before.map((r) => [r.code, r]));
  const ids = new Map<string, number>();
  for (const row of rows) {
    const old = byCode.get(row.code);
    if (!old) {
      const [inserted] = await trx(table).insert({ ...row, property_id: propertyId }).returning<{ id: number }[]>('id');
      ids.set(row.code, (inserted as { id: number }).id);
      changes.push(`added ${label} ${row.code}`);
      continue;
    }
    ids.set(row.code, old.id);
    const diffs = Object.keys(row)
      .filter((k) => k !== 'code' && k !== 'parent_id' && normalise(old[k]) !== normalise(row[k]))
      // Channel config holds credentials: say that it changed, never what it holds.
      .map((k) => (k === 'config' ? 'settings, credentials or markup changed' : `${k} ${normalise(old[k])} → ${normalise(row[k])}`));
    if (!old.active) diffs.unshift('reactivated');
    if (diffs.length > 0) changes.push(`changed ${label} ${row.code}: ${diffs.join(', ')}`);
    await trx(table).where({ id: old.id }).update({ ...row, active: true });
  }
  for (const old of before) {
    if (old.active && !ids.has(old.code)) {
      await trx(table).where({ id: old.id }).update({ active: false });
      changes.push(`deactivated ${label} ${old.code}`);
    }
  }
  return ids;
}

function normalise(value: unknown): string {
  if (value === null || value === undefined) return '∅';
  if (typeof value === 'string' && /^-?\d+\.\d+$/.test(value)) return String(Number(value));
  if (typeof value === 'string' && value.startsWith('{')) return stableJson(JSON.parse(value));
  if (typeof value === 'object') return stableJson(value);
  return String(value);
}

/** jsonb reorders keys, so compare documents with sorted keys. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

function orderByDerivation(property: Property): Property['ratePlans'] {
  const out: Property['ratePlans'] = [];
  const placed = new Set<string>();
  while (out.length < property.ratePlans.length) {
    const before = out.length;
    for (const p of property.ratePlans) {
      if (placed.has(p.code)) continue;
      if (p.derivedFrom === undefined || placed.has(p.derivedFrom)) {
        out.push(p);
        placed.add(p.code);
      }
    }
    if (out.length === before) throw new Error('rate plan derivation cycle (the document validator should have refused it)');
  }
  return out;
}

export async function findProperty(db: DbHandle, code: string): Promise<StoredProperty | undefined> {
  return loadProperty(db, { code });
}

export async function findPropertyById(db: DbHandle, id: number): Promise<StoredProperty | undefined> {
  return loadProperty(db, { id });
}

/** One round trip: the document and the code → id maps of its active parts. It runs on every request. */
async function loadProperty(db: DbHandle, where: { code: string } | { id: number }): Promise<StoredProperty | undefined> {
  const { rows } = await db.raw<{ rows: Array<{ id: number; document: Property; currency_decimals: number; room_types: IdCode[] | null; rate_plans: IdCode[] | null; channels: IdCode[] | null }> }>(
    `SELECT p.id, p.document, p.currency_decimals,
       (SELECT json_agg(json_build_object('id', r.id, 'code', r.code)) FROM room_types r WHERE r.property_id = p.id AND r.active) AS room_types,
       (SELECT json_agg(json_build_object('id', r.id, 'code', r.code)) FROM rate_plans r WHERE r.property_id = p.id AND r.active) AS rate_plans,
       (SELECT json_agg(json_build_object('id', c.id, 'code', c.code)) FROM channels c WHERE c.property_id = p.id AND c.active) AS channels
     FROM properties p WHERE ${'code' in where ? 'p.code = ?' : 'p.id = ?'}`,
    ['code' in where ? where.code : where.id],
  );
  const row = rows[0];
  if (!row) return undefined;
  const map = (list: IdCode[] | null) => new Map((list ?? []).map((r) => [r.code, r.id]));
  return {
    id: row.id,
    property: row.document,
    currencyDecimals: row.currency_decimals,
    roomTypeIds: map(row.room_types),
    ratePlanIds: map(row.rate_plans),
    channelIds: map(row.channels),
  };
}

type IdCode = { id: number; code: string };
