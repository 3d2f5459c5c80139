import { Stack } from 'aws-cdk-lib';
import * as eventschemas from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';
import { DEFAULT_SOURCES, OUTBOUND_SOURCE } from '../../shared/contract/config.js';
import type { DetailType } from '../../shared/contract/inbound.js';
import { contractMessages, jsonSchemaOf, type ContractMessage } from '../../shared/contract/json-schema.js';

export interface ContractSchemaRegistryProps {
  /**
   * Name of the EventBridge schema registry.
   * @default a name CloudFormation generates
   */
  readonly registryName?: string;
  /**
   * The source accepted per inbound detail-type (the deployment's `sources`
   * setting), so each schema names the source producers must use.
   * @default the contract's default sources (retail.returns, retail.carrier, …)
   */
  readonly sources?: Partial<Readonly<Record<DetailType, string>>>;
}

/**
 * An EventBridge schema registry holding the contract: one `JSONSchemaDraft4`
 * schema per inbound detail-type, per event refund-gate puts on the bus and
 * per review topic message, generated from the same zod schemas the code
 * validates with. Producers and consumers download code bindings from it
 * (`aws schemas get-code-binding-source`), or read the schemas in the console.
 *
 * Schema names follow EventBridge's discovered-schema convention,
 * `<source>@<detail-type>`; review topic messages use `refund-gate.review@<type>`.
 */
export class ContractSchemaRegistry extends Construct {
  public readonly registry: eventschemas.CfnRegistry;
  /** Schema name → schema resource. */
  public readonly schemas: ReadonlyMap<string, eventschemas.CfnSchema>;

  public constructor(scope: Construct, id: string, props: ContractSchemaRegistryProps = {}) {
    super(scope, id);
    const sources: Record<DetailType, string> = { ...DEFAULT_SOURCES, ...definedOnly(props.sources ?? {}) };
    this.registry = new eventschemas.CfnRegistry(this, 'Registry', {
      ...(props.registryName ? { registryName: props.registryName } : {}),
      description: `refund-gate event contract (${Stack.of(this).stackName}): inbound events, refund decisions and review messages`,
    });
    const schemas = new Map<string, eventschemas.CfnSchema>();
    for (const message of contractMessages()) {
      const source = message.direction === 'inbound' ? sources[message.name as DetailType] : message.source;
      const schemaName = message.channel === 'sns' ? `${OUTBOUND_SOURCE}.review@${message.name}` : `${source}@${message.name}`;
      const schema = new eventschemas.CfnSchema(this, `${message.name}Schema`, {
        registryName: this.registry.attrRegistryName,
        schemaName,
        type: 'JSONSchemaDraft4',
        description: descriptionOf(message, source),
        content: JSON.stringify(withSource(jsonSchemaOf(message), message, source)),
      });
      schemas.set(schemaName, schema);
    }
    this.schemas = schemas;
  }
}

function descriptionOf(message: ContractMessage, source: string | undefined): string {
  if (message.channel === 'sns') return `${message.name}: JSON message on the refund-gate review topic.`;
  return message.direction === 'inbound'
    ? `${message.name}: inbound event refund-gate accepts from source ${source}.`
    : `${message.name}: event refund-gate puts on the bus with source ${source}.`;
}

/** An inbound schema names the deployment's source, not only the default. */
function withSource(schema: Record<string, unknown>, message: ContractMessage, source: string | undefined): Record<string, unknown> {
  if (message.direction !== 'inbound' || source === undefined) return schema;
  const properties = schema['properties'] as Record<string, Record<string, unknown>>;
  return {
    ...schema,
    properties: { ...properties, source: { type: 'string', enum: [source], description: 'the source this deployment accepts for this detail-type' } },
    'x-amazon-events-source': source,
  };
}

function definedOnly(o: Partial<Readonly<Record<DetailType, string>>>): Partial<Record<DetailType, string>> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<Record<DetailType, string>>;
}
