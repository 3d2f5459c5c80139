import * as z from 'zod';
import { DEFAULT_SOURCES, OUTBOUND_SOURCE } from './config.js';
import { DETAIL_SCHEMAS, DETAIL_TYPES, DOMAIN_ID_FIELD } from './inbound.js';
import { OUTBOUND_DETAIL_SCHEMAS, REVIEW_MESSAGE_SCHEMAS, ReviewMessageAttributes } from './outbound.js';

/*
 * The contract's zod schemas as documents a producer or consumer can use
 * without reading TypeScript: JSON Schema draft-04 (what the EventBridge
 * schema registry accepts as `JSONSchemaDraft4`) and an AsyncAPI 3.0
 * document. Everything iterates the schema tables (DETAIL_SCHEMAS,
 * OUTBOUND_DETAIL_SCHEMAS, REVIEW_MESSAGE_SCHEMAS), so a field or a
 * detail-type added there appears here with no other change.
 * `npm run schemas` writes the results to schemas/ and docs/producers/fields.md.
 */

export const CONTRACT_VERSION = '1.1';

/** A JSON Schema document, as plain JSON. */
export type JsonSchema = { [key: string]: unknown };

export type ContractChannel = 'eventbridge' | 'sns';
export type ContractDirection = 'inbound' | 'outbound';

export interface ContractMessage {
  /** The detail-type (EventBridge) or the message `type` (SNS); also the file name. */
  readonly name: string;
  readonly direction: ContractDirection;
  readonly channel: ContractChannel;
  /** EventBridge only: the source it is put on the bus with (inbound: the default, a deployment setting). */
  readonly source?: string;
  /** Inbound only: the field that identifies it (R8). */
  readonly domainIdField?: string;
  /** The detail (EventBridge) or the message (SNS). */
  readonly zod: z.ZodType;
  /** Inbound is what a producer may send (defaults optional); outbound is exactly what is published. */
  readonly io: 'input' | 'output';
}

/** Every message of the contract, inbound first, in a stable order. */
export function contractMessages(): ContractMessage[] {
  const inbound = DETAIL_TYPES.map(
    (name): ContractMessage => ({
      name,
      direction: 'inbound',
      channel: 'eventbridge',
      source: DEFAULT_SOURCES[name],
      domainIdField: DOMAIN_ID_FIELD[name],
      zod: DETAIL_SCHEMAS[name],
      io: 'input',
    }),
  );
  const events = (Object.keys(OUTBOUND_DETAIL_SCHEMAS) as Array<keyof typeof OUTBOUND_DETAIL_SCHEMAS>).map(
    (name): ContractMessage => ({ name, direction: 'outbound', channel: 'eventbridge', source: OUTBOUND_SOURCE, zod: OUTBOUND_DETAIL_SCHEMAS[name], io: 'output' }),
  );
  const reviews = (Object.keys(REVIEW_MESSAGE_SCHEMAS) as Array<keyof typeof REVIEW_MESSAGE_SCHEMAS>).map(
    (name): ContractMessage => ({ name, direction: 'outbound', channel: 'sns', zod: REVIEW_MESSAGE_SCHEMAS[name], io: 'output' }),
  );
  return [...inbound, ...events, ...reviews];
}

type Target = 'draft-04' | 'draft-07';

/** One zod schema as JSON Schema of the given draft, without its own `$schema` (the caller places it). */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output', target: Target = 'draft-04'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target, io, unrepresentable: 'throw', reused: 'inline', cycles: 'throw' }) as JsonSchema;
  return rest;
}

const DRAFT_04 = 'http://json-schema.org/draft-04/schema#';

/**
 * The JSON Schema (draft-04) of one message. EventBridge messages are the
 * whole event as EventBridge delivers it (the envelope, with the detail in
 * `definitions`), in the form the EventBridge schema registry uses for
 * discovered events, so code bindings and `aws events put-events` both fit.
 * SNS messages are the message body; their attributes are in `definitions`.
 */
export function jsonSchemaOf(message: ContractMessage, target: Target = 'draft-04', options: { inline?: boolean } = {}): JsonSchema {
  const payload = toJsonSchema(message.zod, message.io, target);
  const head = target === 'draft-04' ? { $schema: DRAFT_04 } : { $schema: 'http://json-schema.org/draft-07/schema#' };
  if (message.channel === 'sns') {
    return {
      ...head,
      title: message.name,
      ...payload,
      ...(options.inline ? {} : { definitions: { MessageAttributes: toJsonSchema(ReviewMessageAttributes, 'output', target) } }),
      'x-refund-gate-contract-version': CONTRACT_VERSION,
      'x-refund-gate-channel': 'sns',
    };
  }
  const detailName = `${message.name}Detail`;
  const inbound = message.direction === 'inbound';
  return {
    ...head,
    title: message.name,
    description: inbound
      ? `${message.name} as EventBridge delivers it. source is ${message.source} unless the deployment configures another; detail.${message.domainIdField} identifies it.`
      : `${message.name} as refund-gate puts it on the bus (source ${OUTBOUND_SOURCE}).`,
    type: 'object',
    required: ['version', 'id', 'detail-type', 'source', 'time', 'detail'],
    properties: {
      version: { type: 'string', description: 'EventBridge envelope version, "0"' },
      id: { type: 'string', minLength: 1, description: 'EventBridge event id (a producer retry gets a new one; refund-gate de-duplicates on the domain id)' },
      'detail-type': { type: 'string', enum: [message.name] },
      source: inbound
        ? { type: 'string', minLength: 1, default: message.source, description: 'must equal the source configured for this detail-type' }
        : { type: 'string', enum: [message.source] },
      account: { type: 'string' },
      time: { type: 'string', format: 'date-time', description: 'envelope time; refund-gate never uses it as business time' },
      region: { type: 'string' },
      resources: { type: 'array', items: { type: 'string' } },
      detail: options.inline ? payload : { $ref: `#/definitions/${detailName}` },
    },
    ...(options.inline ? {} : { definitions: { [detailName]: payload } }),
    'x-amazon-events-detail-type': message.name,
    'x-amazon-events-source': message.source,
    'x-refund-gate-contract-version': CONTRACT_VERSION,
    'x-refund-gate-channel': 'eventbridge',
  };
}

/** name → JSON Schema draft-04 of every contract message. */
export function contractJsonSchemas(): Map<string, JsonSchema> {
  return new Map(contractMessages().map((m) => [m.name, jsonSchemaOf(m)]));
}

// ---------------------------------------------------------------- AsyncAPI 3.0

/**
 * The contract as an AsyncAPI 3.0 document: the producers' bus and the review
 * topic as channels, what refund-gate receives and sends as operations.
 * Payloads are AsyncAPI schemas (a superset of JSON Schema draft-07), the same
 * zod schemas as the draft-04 files.
 */
export function asyncApiDocument(version: string): Record<string, unknown> {
  const messages = contractMessages();
  const messageObject = (m: ContractMessage) => ({
    name: m.name,
    title: m.name,
    summary: m.zod.description ?? summaryOf(m),
    contentType: 'application/json',
    ...(m.channel === 'sns' ? { headers: toJsonSchema(ReviewMessageAttributes, 'output', 'draft-07') } : {}),
    // Inline: a $ref inside a payload would resolve against the AsyncAPI document, not the schema.
    payload: stripSchemaKeyword(jsonSchemaOf(m, 'draft-07', { inline: true })),
  });
  const onChannel = (channel: ContractChannel) => Object.fromEntries(messages.filter((m) => m.channel === channel).map((m) => [m.name, messageObject(m)]));
  const ref = (channel: string, name: string) => ({ $ref: `#/channels/${channel}/messages/${name}` });
  const operations: Record<string, unknown> = {};
  for (const m of messages) {
    const channel = m.channel === 'sns' ? 'reviewTopic' : 'eventBus';
    const inbound = m.direction === 'inbound';
    operations[`${inbound ? 'receive' : 'send'}${m.name}`] = {
      action: inbound ? 'receive' : 'send',
      channel: { $ref: `#/channels/${channel}` },
      summary: inbound ? `refund-gate receives ${m.name} from ${m.source} (configurable).` : `refund-gate publishes ${m.name}.`,
      messages: [ref(channel, m.name)],
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'refund-gate event contract',
      version,
      description: `Contract v${CONTRACT_VERSION}. Inbound events on the producers' EventBridge bus, refund decisions put back on it with source ${OUTBOUND_SOURCE}, and review messages on the SNS review topic. Generated by \`npm run schemas\` from shared/contract; do not edit.`,
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    defaultContentType: 'application/json',
    channels: {
      eventBus: {
        address: '{eventBusName}',
        title: 'Producers’ EventBridge bus',
        description: 'The existing bus the deployment is attached to. Inbound events arrive on it; RefundReleased and RefundDenied are put on it with source refund-gate.',
        parameters: { eventBusName: { description: 'name of the bus (context eventBusName)', default: 'default' } },
        messages: onChannel('eventbridge'),
      },
      reviewTopic: {
        address: '{reviewTopicArn}',
        title: 'Review topic (SNS)',
        description: 'One JSON message per review raised, cleared or decision ignored, with message attributes for subscription filter policies.',
        parameters: { reviewTopicArn: { description: 'the stack output ReviewTopicArn' } },
        messages: onChannel('sns'),
      },
    },
    operations,
  };
}

function summaryOf(m: ContractMessage): string {
  return m.direction === 'inbound' ? `${m.name} from ${m.source}, identified by ${m.domainIdField}.` : `${m.name}, published by refund-gate.`;
}

function stripSchemaKeyword(schema: JsonSchema): JsonSchema {
  const { $schema: _ignored, ...rest } = schema;
  return rest;
}
