import type { DbHandle } from './connection';

export interface InvariantViolation {
  property: string;
  roomType: string;
  date: string;
  ledgerRooms: number;
  bookedRooms: number;
}

/**
 * The ledger's core invariant: for every night and room type, the rooms the ledger counts as taken
 * (sold + overbooked) equal the rooms of the active reservations holding that night. Returns every
 * cell where they differ (empty when the ledger is sound). `tidewater report --check` runs it.
 */
export async function checkSoldInvariant(db: DbHandle, propertyCode?: string): Promise<InvariantViolation[]> {
  const { rows } = await db.raw<{ rows: InvariantViolation[] }>(
    `WITH booked AS (
       SELECT n.room_type_id, n.stay_date, SUM(n.rooms)::int AS rooms
       FROM reservation_nights n JOIN reservations r ON r.id = n.reservation_id
       WHERE r.status <> 'cancelled'
       GROUP BY n.room_type_id, n.stay_date
     )
     SELECT p.code AS property, rt.code AS "roomType", c.stay_date::text AS date,
            (c.sold + c.overbooked) AS "ledgerRooms", COALESCE(b.rooms, 0) AS "bookedRooms"
     FROM inventory_cells c
     JOIN properties p ON p.id = c.property_id
     JOIN room_types rt ON rt.id = c.room_type_id
     LEFT JOIN booked b ON b.room_type_id = c.room_type_id AND b.stay_date = c.stay_date
     WHERE (c.sold + c.overbooked) <> COALESCE(b.rooms, 0) ${propertyCode !== undefined ? 'AND p.code = ?' : ''}
     UNION ALL
     SELECT p.code, rt.code, b.stay_date::text, 0, b.rooms
     FROM booked b
     JOIN room_types rt ON rt.id = b.room_type_id
     JOIN properties p ON p.id = rt.property_id
     WHERE NOT EXISTS (SELECT 1 FROM inventory_cells c WHERE c.room_type_id = b.room_type_id AND c.stay_date = b.stay_date)
       ${propertyCode !== undefined ? 'AND p.code = ?' : ''}
     ORDER BY 1, 2, 3`,
    propertyCode !== undefined ? [propertyCode, propertyCode] : [],
  );
  return rows;
}
