import { describe, expect, it } from 'vitest';
import { defaultDeliverySettings, deliverySettingsSchema, type DeliverySettings } from '@herald/shared';
import { splitIssues } from '../../lib/form-errors.ts';
import { checkDeliverySettings, deliverySettingsFieldOf, errorsUnder, settingsOfValues, valuesOfSettings, withoutErrorsUnder } from './delivery-settings-form.ts';

const saved: DeliverySettings = {
  rateLimits: {
    global: { maxPerMinute: 1000, maxPerHour: null, maxPerDay: null, burstAllowed: false, burstMax: null },
    channels: { sms: { maxPerMinute: null, maxPerHour: 600, maxPerDay: null, burstAllowed: true, burstMax: 20 } },
  },
  retryPolicies: {
    default: { maxAttempts: 4, baseDelaySeconds: 10, factor: 2, maxDelaySeconds: 600, jitter: 0.1 },
    channels: { webhook: { maxAttempts: 8, baseDelaySeconds: 1, factor: 3, maxDelaySeconds: 3600, jitter: 0.2 } },
  },
  frequencyCap: { maxPerDay: 3, maxPerWeek: null },
  costs: { sms: 0.0075, email: 0 },
  quietHours: { start: '21:30', end: '07:45', timezone: 'Europe/Paris' },
};

describe('delivery settings form', () => {
  it('round-trips saved settings through the form unchanged', () => {
    expect(settingsOfValues(valuesOfSettings(saved))).toEqual(saved);
    expect(settingsOfValues(valuesOfSettings(defaultDeliverySettings))).toEqual(defaultDeliverySettings);
  });

  it('starts unset limits and overrides switched off, an override from the default policy', () => {
    const values = valuesOfSettings(saved);
    expect(values.channelLimits.email).toEqual({ isOn: false, limit: { maxPerMinute: '', maxPerHour: '', maxPerDay: '', burstAllowed: false, burstMax: '' } });
    expect(values.channelRetries.sms).toEqual({ isOn: false, policy: saved.retryPolicies.default });
    expect(values.frequencyCap).toEqual({ isOn: true, maxPerDay: 3, maxPerWeek: '' });
    expect(values.costs).toMatchObject({ sms: 0.0075, email: 0, push: '' });
    expect(values.quietHours).toEqual({ isOn: true, start: '21:30', end: '07:45', timezone: 'Europe/Paris' });
  });

  it('starts quiet hours that are off from a plain night in the viewer\'s zone, and sends them as off until switched on', () => {
    const values = valuesOfSettings(defaultDeliverySettings, 'America/Chicago');
    expect(values.quietHours).toEqual({ isOn: false, start: '21:00', end: '08:00', timezone: 'America/Chicago' });
    expect(settingsOfValues(values).quietHours).toBeNull();
    values.quietHours.isOn = true;
    expect(settingsOfValues(values).quietHours).toEqual({ start: '21:00', end: '08:00', timezone: 'America/Chicago' });
  });

  it('sends the times a browser gives with seconds as HH:MM', () => {
    const values = valuesOfSettings(saved);
    values.quietHours = { isOn: true, start: '22:15:00', end: '06:30', timezone: 'UTC' };
    expect(settingsOfValues(values).quietHours).toEqual({ start: '22:15', end: '06:30', timezone: 'UTC' });
  });

  it('places each quiet hours problem at its input: a missing time, the same start and end, no zone', () => {
    const values = valuesOfSettings(saved);
    values.quietHours = { isOn: true, start: '', end: '07:00', timezone: null };
    const missing = splitIssues(checkDeliverySettings(values).issues, deliverySettingsFieldOf);
    expect(missing.unplaced).toEqual([]);
    expect(Object.keys(missing.fieldErrors).sort()).toEqual(['quietHours.start', 'quietHours.timezone']);
    expect(missing.fieldErrors['quietHours.start']).toMatch(/HH:MM/);

    values.quietHours = { isOn: true, start: '07:00', end: '07:00', timezone: 'UTC' };
    const empty = splitIssues(checkDeliverySettings(values).issues, deliverySettingsFieldOf);
    expect(empty).toEqual({ fieldErrors: { 'quietHours.end': expect.stringMatching(/must differ from start/) }, unplaced: [] });
  });

  it('leaves out what is switched off but keeps its draft for switching back on', () => {
    const values = valuesOfSettings(saved);
    values.channelLimits.sms.isOn = false;
    values.frequencyCap.isOn = false;
    const input = settingsOfValues(values);
    expect(input.rateLimits?.channels).toEqual({});
    expect(input.frequencyCap).toBeNull();
    expect(values.channelLimits.sms.limit.maxPerHour).toBe(600);
  });

  it('treats an empty cost as not counted and a typed one as a number', () => {
    const values = valuesOfSettings(defaultDeliverySettings);
    values.costs.push = '0.002';
    values.costs.email = '';
    expect(settingsOfValues(values).costs).toEqual({ push: 0.002 });
  });

  it('names each problem by the path the API uses, and places it at its input', () => {
    const values = valuesOfSettings(saved);
    values.channelLimits.sms.limit = { ...values.channelLimits.sms.limit, burstMax: '' };
    values.channelRetries.email = { isOn: true, policy: { ...saved.retryPolicies.default, factor: 0.5 } };
    values.frequencyCap = { isOn: true, maxPerDay: 5, maxPerWeek: 2 };
    values.costs.sms = -1;
    const checked = checkDeliverySettings(values);
    expect(checked.input).toBeNull();
    const { fieldErrors, unplaced } = splitIssues(checked.issues, deliverySettingsFieldOf);
    expect(unplaced).toEqual([]);
    expect(Object.keys(fieldErrors).sort()).toEqual([
      'costs.sms',
      'frequencyCap.maxPerWeek',
      'rateLimits.channels.sms.burstMax',
      'retryPolicies.channels.email.factor',
    ]);
    expect(fieldErrors['rateLimits.channels.sms.burstMax']).toBe('is required when burstAllowed is true');
  });

  it('lets valid settings through as the payload the schema accepts', () => {
    const checked = checkDeliverySettings(valuesOfSettings(saved));
    expect(checked.issues).toEqual([]);
    expect(deliverySettingsSchema.parse(checked.input)).toEqual(saved);
  });

  it.each([
    ['rateLimits.global.maxPerHour', 'rateLimits.global.maxPerHour'],
    ['rateLimits.channels.sms.burstMax', 'rateLimits.channels.sms.burstMax'],
    ['retryPolicies.default.jitter', 'retryPolicies.default.jitter'],
    ['retryPolicies.channels.push.maxAttempts', 'retryPolicies.channels.push.maxAttempts'],
    ['frequencyCap.maxPerDay', 'frequencyCap.maxPerDay'],
    ['costs.webhook', 'costs.webhook'],
    ['quietHours.start', 'quietHours.start'],
    ['quietHours.end', 'quietHours.end'],
    ['quietHours.timezone', 'quietHours.timezone'],
    // no input stands for these: they go to the notification
    ['rateLimits.channels.fax', null],
    ['rateLimits.channels.fax.maxPerMinute', null],
    ['rateLimits.default.maxPerMinute', null],
    ['retryPolicies.global.factor', null],
    ['rateLimits.global.colour', null],
    ['costs.fax', null],
    ['frequencyCap', null],
    ['quietHours', null],
    ['quietHours.colour', null],
    ['', null],
  ])('places %s at %s', (apiField, expected) => {
    expect(deliverySettingsFieldOf(apiField)).toBe(expected);
  });

  it('clears the errors under an edited limit and keeps the others', () => {
    const errors = { 'rateLimits.channels.sms.burstMax': 'x', 'rateLimits.channels.sms': 'y', 'rateLimits.channels.smsx.a': 'z', 'costs.sms': 'w' };
    expect(withoutErrorsUnder(errors, 'rateLimits.channels.sms')).toEqual({ 'rateLimits.channels.smsx.a': 'z', 'costs.sms': 'w' });
  });

  it('hands an editor its errors by its own field names', () => {
    const errors: Record<string, string> = { 'rateLimits.global.burstMax': 'too big' };
    const draft = valuesOfSettings(saved).globalLimit.limit;
    expect(errorsUnder((path) => errors[path], 'rateLimits.global', draft)).toEqual({
      maxPerMinute: undefined, maxPerHour: undefined, maxPerDay: undefined, burstAllowed: undefined, burstMax: 'too big',
    });
  });
});
