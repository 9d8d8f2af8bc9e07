import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PropertyDocument } from '../../core/property-document';

export const FIXTURES_DIR = path.resolve(__dirname, '..', '..', 'fixtures');

export function loadJsonFixture<T = unknown>(relative: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES_DIR, relative), 'utf8')) as T;
}

/** The contract's sample property (AMS01, Canal House). */
export function canalHouse(overrides: Partial<PropertyDocument> = {}): PropertyDocument {
  return { ...loadJsonFixture<PropertyDocument>('properties/canal-house.json'), ...overrides };
}
