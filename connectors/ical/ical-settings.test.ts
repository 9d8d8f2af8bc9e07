import type { ChannelConfig } from '../../core/property';
import { feedPath, feedToken, verifyFeedToken } from './ical-feed';
import { IcalConfigError, importUrlFor, parseIcalSettings } from './ical-settings';

const channel = (over: Partial<ChannelConfig> = {}): ChannelConfig => ({
  code: 'airbnb',
  type: 'ical',
  critical: false,
  roomTypes: { VILLA: 'listing 1/a' },
  ratePlans: {},
  buffer: { rooms: 0 },
  ...over,
});

describe('import URL rule', () => {
  it('prefers settings.importUrls, then endpoint + /{room}.ics, else export-only', () => {
    const listed = channel({ endpoint: 'https://cal.example/feeds/', settings: { importUrls: { 'listing 1/a': 'https://www.airbnb.com/calendar/ical/1.ics?s=abc' } } });
    expect(importUrlFor(listed, parseIcalSettings(listed), 'listing 1/a')).toBe('https://www.airbnb.com/calendar/ical/1.ics?s=abc');
    const byEndpoint = channel({ endpoint: 'https://cal.example/feeds/' });
    expect(importUrlFor(byEndpoint, parseIcalSettings(byEndpoint), 'listing 1/a')).toBe('https://cal.example/feeds/listing%201%2Fa.ics');
    expect(importUrlFor(channel(), parseIcalSettings(channel()), 'listing 1/a')).toBeUndefined();
  });

  it('defaults the horizon and refuses bad settings, naming each', () => {
    expect(parseIcalSettings(channel())).toEqual({ importUrls: {}, horizonDays: 365 });
    const bad = channel({ settings: { horizonDays: 0, importUrls: { a: 'not a url' }, pollIntervalMs: 5 } });
    expect(() => parseIcalSettings(bad)).toThrow(IcalConfigError);
    expect(() => parseIcalSettings(bad)).toThrow(/horizonDays.*importUrls\/a.*pollIntervalMs|importUrls\/a.*horizonDays/s);
  });
});

describe('feed tokens', () => {
  it('sign property, channel and room together, unambiguously', () => {
    const token = feedToken('s', 'AMS01', 'airbnb', 'villa');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(verifyFeedToken('s', 'AMS01', 'airbnb', 'villa', token)).toBe(true);
    expect(verifyFeedToken('other', 'AMS01', 'airbnb', 'villa', token)).toBe(false);
    expect(verifyFeedToken('s', 'AMS01', 'airbnb', 'villa2', token)).toBe(false);
    expect(verifyFeedToken('s', 'AMS01', 'airbnb', 'villa', token.slice(1))).toBe(false);
    expect(feedToken('s', 'A-B', 'c', 'd')).not.toBe(feedToken('s', 'A', 'B-c', 'd'));
  });

  it('builds the path with escaped codes', () => {
    expect(feedPath('s', 'AMS01', 'airbnb', 'listing 1/a')).toBe(`/ical/AMS01/airbnb/listing%201%2Fa.ics?token=${feedToken('s', 'AMS01', 'airbnb', 'listing 1/a')}`);
  });
});
