import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ContractSchemaRegistry } from '../../infra/constructs/schema-registry.js';
import { DETAIL_TYPES } from '../../shared/contract/inbound.js';
import { contractMessages, jsonSchemaOf } from '../../shared/contract/json-schema.js';

function synth(props: ConstructorParameters<typeof ContractSchemaRegistry>[2] = {}) {
  const stack = new Stack(new App({ autoSynth: false }), 'Bare');
  const construct = new ContractSchemaRegistry(stack, 'Contract', props);
  return { construct, template: Template.fromStack(stack) };
}

describe('ContractSchemaRegistry', () => {
  const { construct, template } = synth();
  const schemas = template.findResources('AWS::EventSchemas::Schema');

  it('creates one registry and registers every inbound and outbound schema in it as JSONSchemaDraft4', () => {
    template.resourceCountIs('AWS::EventSchemas::Registry', 1);
    const registryId = Stack.of(construct).resolve((construct.registry as unknown as { logicalId: string }).logicalId) as string;
    const names = Object.values(schemas).map((r) => {
      expect(r['Properties']).toMatchObject({ Type: 'JSONSchemaDraft4', RegistryName: { 'Fn::GetAtt': [registryId, 'RegistryName'] } });
      return r['Properties']['SchemaName'] as string;
    });
    expect(names.sort()).toEqual(
      [
        'retail.returns@ReturnAuthorized',
        'retail.carrier@CarrierScan',
        'retail.warehouse@WarehouseReceipt',
        'retail.refunds@RefundRequested',
        'retail.review@ReviewDecided',
        'refund-gate@RefundReleased',
        'refund-gate@RefundDenied',
        'refund-gate.review@ReviewRequested',
        'refund-gate.review@ReviewCleared',
        'refund-gate.review@DecisionIgnored',
      ].sort(),
    );
  });

  it('registers the generated draft-04 schema of each message as its content', () => {
    for (const message of contractMessages().filter((m) => m.direction === 'outbound')) {
      const [resource] = Object.values(template.findResources('AWS::EventSchemas::Schema', { Properties: { SchemaName: Match.stringLikeRegexp(`@${message.name}$`) } }));
      expect(JSON.parse(resource!['Properties']['Content'] as string)).toEqual(jsonSchemaOf(message));
    }
  });

  it('names the deployment’s configured source in the inbound schemas', () => {
    const custom = synth({ sources: { WarehouseReceipt: 'acme.wms' } }).template;
    const [resource] = Object.values(custom.findResources('AWS::EventSchemas::Schema', { Properties: { SchemaName: 'acme.wms@WarehouseReceipt' } }));
    const content = JSON.parse(resource!['Properties']['Content'] as string) as Record<string, any>;
    expect(content['x-amazon-events-source']).toBe('acme.wms');
    expect(content['properties']['source']['enum']).toEqual(['acme.wms']);
    expect(content['definitions']['WarehouseReceiptDetail']['required']).toContain('receiptId');
    expect(Object.keys(custom.findResources('AWS::EventSchemas::Schema'))).toHaveLength(DETAIL_TYPES.length + 5);
  });

  it('keeps each schema within the registry’s content limit', () => {
    for (const r of Object.values(schemas)) expect((r['Properties']['Content'] as string).length).toBeLessThan(100_000);
  });
});
