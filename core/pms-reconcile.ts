import type { IsoDate } from './dates';

/** Rooms sold of a room type on a night (Tidewater codes). */
export interface SoldCount {
  roomType: string;
  date: IsoDate;
  sold: number;
}

/** A night where Tidewater and the PMS disagree on the rooms sold through the hub. */
export interface SoldFinding {
  date: IsoDate;
  roomType: string;
  tidewater: number;
  pms: number;
}

/**
 * Every night and room type in the range (`to` inclusive) where the PMS's count of rooms sold
 * through the hub differs from Tidewater's. A night one side does not list counts 0 there, so a
 * PMS that lost every booking of a night is found, and so is a room type the PMS reports that no
 * mapping knows.
 */
export function findSoldDrift(tidewater: readonly SoldCount[], pms: readonly SoldCount[], range: { from: IsoDate; to: IsoDate }): SoldFinding[] {
  const cells = new Map<string, SoldFinding>();
  const inRange = (c: SoldCount) => c.date >= range.from && c.date <= range.to;
  const cell = (c: SoldCount) => {
    const key = `${c.date}|${c.roomType}`;
    const found = cells.get(key) ?? { date: c.date, roomType: c.roomType, tidewater: 0, pms: 0 };
    cells.set(key, found);
    return found;
  };
  // Summed, not overwritten: a PMS may list a night once per rate or per booking.
  for (const c of tidewater.filter(inRange)) cell(c).tidewater += c.sold;
  for (const c of pms.filter(inRange)) cell(c).pms += c.sold;
  return [...cells.values()]
    .filter((c) => c.tidewater !== c.pms)
    .sort((a, b) => (a.date + a.roomType < b.date + b.roomType ? -1 : a.date + a.roomType > b.date + b.roomType ? 1 : 0));
}
