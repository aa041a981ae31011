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
    // no input stands for these: they go to the notification
    ['rateLimits.channels.fax', null],
    ['rateLimits.channels.fax.maxPerMinute', null],
    ['rateLimits.default.maxPerMinute', null],
    ['retryPolicies.global.factor', null],
    ['rateLimits.global.colour', null],
    ['costs.fax', null],
    ['frequencyCap', null],
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
