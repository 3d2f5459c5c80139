import { DEFAULT_SOURCES } from '../../shared/contract/config.js';
import { WebhookNotConfiguredError, WebhookRefusedError } from '../../shared/carriers/errors.js';
import { DEFAULT_MAX_BODY_BYTES, providerNamed, receiveWebhook } from '../../shared/carriers/receiver.js';
import { readFileCapped } from '../read-capped.js';
import { InputUnreadableError } from '../replay.js';
import { flag, text, type Runner } from '../context.js';
import { CarrierOptionError, checkedSecret, loadFacilities, providerOption, SECRET_ENV } from './carrier-options.js';

/** Exit status of a refused webhook (signature, credential, replay window, test mode, body): the input is wrong. */
const REFUSED = 2;

/**
 * `refund-gate webhook`: verify one webhook body and print the CarrierScans
 * it becomes. Option mistakes throw {@link CarrierOptionError} (usage, exit 2).
 */
export const webhookRunner: Runner = async (invocation, { stderr, stdout }) => {
  const { positionals } = invocation;
  const values = { secret: text(invocation, 'secret'), signature: text(invocation, 'signature'), facilities: text(invocation, 'facilities'), source: text(invocation, 'source'), 'allow-test-mode': flag(invocation, 'allow-test-mode') };
  if (positionals.length !== 2) throw new CarrierOptionError('webhook needs a provider and a body file');
  const provider = providerNamed(providerOption(positionals[0]));
  const path = positionals[1]!;
  const fromEnv = values.secret === undefined;
  const secret = values.secret ?? process.env[SECRET_ENV[provider.name]];
  if (secret === undefined || secret === '') throw new CarrierOptionError(`webhook needs --secret (or ${SECRET_ENV[provider.name]})`);
  checkedSecret(provider.name, secret, fromEnv ? SECRET_ENV[provider.name] : '--secret');
  if (values.signature === undefined) throw new CarrierOptionError(`webhook needs --signature (the ${provider.signatureHeader} header value)`);
  const facilities = await loadFacilities(values.facilities);
  let body: Buffer;
  try {
    // The endpoint's own cap: a path to /dev/zero or a huge file is refused, not read without bound.
    body = await readFileCapped(path, DEFAULT_MAX_BODY_BYTES);
  } catch (cause) {
    throw new InputUnreadableError(path, { cause });
  }
  const signature = values.signature;
  let received;
  try {
    received = receiveWebhook(provider, { method: 'POST', body, header: (name) => (name === provider.signatureHeader ? signature : undefined) }, [secret], {
      source: values.source ?? DEFAULT_SOURCES.CarrierScan,
      facilities,
      allowTestMode: values['allow-test-mode'] === true,
    });
  } catch (error) {
    if (error instanceof WebhookRefusedError || error instanceof WebhookNotConfiguredError) {
      stderr.line(`refund-gate: webhook refused (${error.status}): ${error.message}`);
      return REFUSED;
    }
    throw error;
  }
  if (received.ignoredEventType) stderr.line(`refund-gate: ${provider.name} event "${received.ignoredEventType}" carries no scans; nothing to put`);
  for (const skipped of received.skipped) {
    stderr.line(`refund-gate: skipped a tracking event (${skipped.reason}): status "${skipped.providerStatus}" at "${skipped.providerTime}"`);
  }
  if (received.weightProblem) stderr.line(`refund-gate: ${received.weightProblem}`);
  stdout(received.envelopes.map((e) => `${JSON.stringify(e)}\n`).join(''));
  return 0;
};
