/** Shared by the mapper tests only: where the reference XML lives, and how to look at a failure. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { XmlMessageError } from '../xml/errors';
import { createXsdValidator, type XsdValidator } from '../xml/xsd-validate';

/** Read-only reference material shared between checkouts (official XSDs and examples). */
export const SHARED_XML = path.resolve(__dirname, '../../../shared/xml');
export const OPENTRAVEL_2015B = path.join(SHARED_XML, 'opentravel/2015B');
export const OPENTRAVEL_SAMPLES = path.join(SHARED_XML, 'samples/opentravel-2011B');
export const ALPINEBITS_EXAMPLES = path.join(SHARED_XML, 'alpinebits/examples-2024-10');
export const FIXTURES = path.resolve(__dirname, '../../fixtures/xml');

export function readFixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

export function xmlFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((f) => path.join(dir, f));
}

let validator: XsdValidator | undefined;

/** The 2015B schema set, loaded once per test file. */
export function opentravelValidator(): XsdValidator {
  validator ??= createXsdValidator(OPENTRAVEL_2015B);
  return validator;
}

/** Runs `fn` and returns the XmlMessageError it throws (failing the test if it throws nothing else). */
export function xmlErrorOf(fn: () => unknown): XmlMessageError {
  try {
    fn();
  } catch (error) {
    if (error instanceof XmlMessageError) return error;
    throw error;
  }
  throw new Error('expected an XmlMessageError, but nothing was thrown');
}

/** A fixed clock, so rendered TimeStamps are predictable. */
export const FIXED_NOW = (): Date => new Date('2027-02-20T08:30:01.000Z');
