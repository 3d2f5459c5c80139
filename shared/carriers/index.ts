export { aftership, AFTERSHIP_SUBTAG, AFTERSHIP_TAG } from './aftership.js';
export { easypost, EASYPOST_STATUS } from './easypost.js';
export { FacilityMapError, REFUSAL_STATUS, WebhookNotConfiguredError, WebhookRefusedError } from './errors.js';
export { CARRIER_LOCATION_TAG, carrierLocationId, FacilityMap, type CarrierLocation } from './facilities.js';
export { isProviderName, PROVIDER_NAMES, type CarrierProvider, type CarrierWeight, type ProviderName } from './provider.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  headerLookup,
  PROVIDERS,
  providerNamed,
  receiveWebhook,
  type ReceivedWebhook,
  type ReceiverSettings,
  type WebhookRequest,
} from './receiver.js';
export { normaliseShipment, toEnvelope, type CarrierScan, type CarrierScanEnvelope, type SkippedEvent } from './scan.js';
