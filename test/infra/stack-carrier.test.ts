import { App, Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { RefundGatePropsError } from '../../infra/constructs/errors.js';
import { stackFromContext } from '../../infra/context.js';
import { cdkJsonContext, synth } from './support.js';

const FACILITIES = 'test/fixtures/carriers/facilities.json';
const read = (context: Record<string, unknown>) => stackFromContext(new App({ autoSynth: false, context: { ...cdkJsonContext(), ...context } }).node);

describe('carrier webhooks in the stack', () => {
  it('are off unless a facility map is given', () => {
    // Act
    const { template } = synth({ eventBusName: 'orders' });
    // Assess
    // The decision endpoint (AWS_IAM) is always there; the carriers' public (NONE) endpoint is not.
    template.resourcePropertiesCountIs('AWS::Lambda::Url', { AuthType: 'NONE' }, 0);
    expect(Object.keys(template.findOutputs('EasyPostWebhookUrl'))).toEqual([]);
  });

  it('context carrierFacilities (a file) turns on the endpoint with the validated map', () => {
    // Act
    const { props } = read({ carrierFacilities: FACILITIES });
    // Assess
    expect(props.carrierWebhooks?.facilities.warehouses.map((w) => w.warehouseId)).toContain('WH-NYC-1');
  });

  it('a missing file or an invalid map stops synth with one line naming the key', () => {
    expect(() => read({ carrierFacilities: 'no/such/file.json' })).toThrow(RefundGatePropsError);
    expect(() => read({ carrierFacilities: 'no/such/file.json' })).toThrow(/^context carrierFacilities: cannot read no\/such\/file.json: ENOENT$/);
    expect(() => read({ carrierFacilities: '{"warehouses":[{"warehouseId":"WH-1","addresses":[]}]}' })).toThrow(/^context carrierFacilities: facility map: warehouses\[0\]\.addresses: /);
  });

  it('the stack exposes the endpoint URLs and secrets, and the function puts CarrierScans on the stack’s bus with the configured source', () => {
    // Act
    const { template } = synth({
      eventBusName: 'orders',
      settings: { sources: { CarrierScan: 'acme.carrier' } },
      carrierWebhooks: { facilities: { warehouses: [{ warehouseId: 'WH-1', addresses: [{ postalCode: '30336' }] }] } },
    });
    // Assess
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
    const outputs = ['EasyPost', 'AfterShip', 'Ups', 'Shippo'].flatMap((p) => [`${p}WebhookUrl`, `${p}SecretArn`]);
    for (const name of [...outputs, 'CarrierWebhookDeadLetterQueueUrl']) {
      expect(Object.keys(template.findOutputs(name)), name).toEqual([name]);
    }
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'events:PutEvents',
            Condition: Match.objectLike({ StringEquals: Match.objectLike({ 'events:source': ['acme.carrier'] }) }),
          }),
        ]),
      },
    });
  });

  it('context allowCarrierTestMode, carrierPreviousSecretHours and upsSilenceHours reach the endpoint; without carrierFacilities they stop synth', () => {
    // Act
    const { props } = read({ carrierFacilities: FACILITIES, allowCarrierTestMode: 'true', carrierPreviousSecretHours: '6', upsSilenceHours: '48' });
    // Assess
    expect(props.carrierWebhooks).toMatchObject({ allowTestMode: true });
    expect(props.carrierWebhooks?.previousSecretWindow?.toHours()).toBe(6);
    expect(props.carrierWebhooks?.upsSilence?.toHours()).toBe(48);
    expect(read({ carrierFacilities: FACILITIES }).props.carrierWebhooks).toEqual({ facilities: expect.any(Object) });
    expect(() => read({ allowCarrierTestMode: 'true' })).toThrow(/^context allowCarrierTestMode: needs carrierFacilities/);
    expect(() => read({ carrierFacilities: FACILITIES, upsSilenceHours: '0' })).toThrow(/^context upsSilenceHours: expected whole hours from 1 to 168/);
    expect(() => read({ carrierFacilities: FACILITIES, allowCarrierTestMode: 'yes' })).toThrow(/^context allowCarrierTestMode: expected true or false/);
  });

  it('builds the carrier alarms, the UPS silence alarm included, through the stack’s alarm factory (alarm topic on each)', () => {
    const { template } = synth({
      eventBusName: 'orders',
      alarmTopicArn: 'arn:aws:sns:us-east-1:111122223333:on-call',
      carrierWebhooks: { facilities: { warehouses: [{ warehouseId: 'WH-1', addresses: [{ postalCode: '30336' }] }] }, upsSilence: Duration.hours(24) },
    });
    const alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).filter(([id]) => id.includes('CarrierWebhooks'));
    expect(alarms.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(
      ['DeadLettered', 'Errors', 'PutFailures', 'Refused', 'SecretMissing', 'Throttles', 'UpsSilence'].map((n) => `RefundGateCarrierWebhooks${n}Alarm`).sort(),
    );
    for (const [, alarm] of alarms) expect(alarm['Properties'].AlarmActions).toEqual(['arn:aws:sns:us-east-1:111122223333:on-call']);
  });
});
